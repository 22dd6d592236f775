import { registryClient } from './registry-client';
import { publishedEarlier } from './step';
import { FakeRegistry } from './test-support/fake-registry';

describe('publishedEarlier', () => {
  let fake: FakeRegistry;

  beforeEach(async () => {
    fake = await FakeRegistry.start();
  });
  afterEach(() => fake.close());

  it('returns the digest when every tag points to the same manifest (a retried run of this commit)', async () => {
    const digest = fake.putImage('gantry/hello', '0.1.0', `sha256:${'1'.repeat(64)}`);
    fake.putImage('gantry/hello', 'sha-abc', `sha256:${'1'.repeat(64)}`);

    await expect(publishedEarlier(registryClient(fake.host), 'gantry/hello', ['0.1.0', 'sha-abc'])).resolves.toBe(
      digest,
    );
  });

  it('returns undefined when a tag is missing or the tags hold different images', async () => {
    fake.putImage('gantry/hello', '0.1.0', `sha256:${'1'.repeat(64)}`);
    fake.putImage('gantry/hello', 'sha-old', `sha256:${'2'.repeat(64)}`);
    const client = registryClient(fake.host);

    await expect(publishedEarlier(client, 'gantry/hello', ['0.1.0', 'sha-abc'])).resolves.toBeUndefined();
    await expect(publishedEarlier(client, 'gantry/hello', ['0.1.0', 'sha-old'])).resolves.toBeUndefined();
    await expect(publishedEarlier(client, 'gantry/hello', ['0.2.0', 'sha-new'])).resolves.toBeUndefined();
  });
});
