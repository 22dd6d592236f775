import type { RegistryClient } from '@gantry/images';
import { firstFreeVersion, SOURCE_LABEL } from './spent-versions';

/** A registry holding images by tag, each with the source commit it was released from. */
function registryWith(images: Record<string, string>): RegistryClient {
  return {
    labels: async (_repository: string, tag: string) => (images[tag] ? { [SOURCE_LABEL]: images[tag] } : undefined),
  } as unknown as RegistryClient;
}

describe('firstFreeVersion', () => {
  it('keeps a version no image was pushed for', async () => {
    expect(await firstFreeVersion(registryWith({ '0.1.0': 'old' }), 'gantry/hello', '0.2.0', 'now')).toBe('0.2.0');
  });

  it('moves past versions whose images another commit pushed, one patch at a time', async () => {
    const registry = registryWith({ '0.2.0': 'failed-run', '0.2.1': 'another-failed-run' });

    expect(await firstFreeVersion(registry, 'gantry/hello', '0.2.0', 'now')).toBe('0.2.2');
  });

  it("reuses a version this same source commit pushed (a retried run's own image)", async () => {
    expect(await firstFreeVersion(registryWith({ '0.2.0': 'now' }), 'gantry/hello', '0.2.0', 'now')).toBe('0.2.0');
  });
});
