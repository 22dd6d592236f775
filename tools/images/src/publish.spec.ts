import type { Docker } from '@gantry/docker';
import {
  assertNoConflicts,
  formatTagConflict,
  ImmutableTagError,
  imageTags,
  planPublish,
  publishImage,
} from './publish';
import { MEDIA_TYPES, registryClient } from './registry-client';
import { FakeRegistry } from './test-support/fake-registry';

const OLD = `sha256:${'a'.repeat(64)}`;
const NEW = `sha256:${'b'.repeat(64)}`;

/** A docker CLI stand-in: local images by id; a push stores a manifest of that config in the fake registry. */
function fakeDocker(fake: FakeRegistry, images: Record<string, string>): Docker & { calls: string[][] } {
  const tagged = new Map<string, string>();
  const calls: string[][] = [];
  const docker = async (args: string[]) => {
    calls.push(args);
    const [command] = args;
    if (command === 'image' && args[1] === 'inspect') {
      const id = images[args.at(-1) as string];
      if (!id) throw new Error(`docker image inspect failed: No such image: ${args.at(-1)}`);
      return id;
    }
    if (command === 'tag') {
      tagged.set(args[2], images[args[1]]);
      return '';
    }
    if (command === 'push') {
      const ref = args[1];
      const [, repository, tag] = ref.match(/^[^/]+\/(.+):([^:]+)$/) as RegExpMatchArray;
      fake.putImage(repository, tag, tagged.get(ref) as string);
      return `${tag}: digest: ${fake.tagDigest(repository, tag)} size: 528`;
    }
    throw new Error(`unexpected docker ${args.join(' ')}`);
  };
  return Object.assign(docker, { calls });
}

describe('immutable tag messages', () => {
  it('names the service, the tag, the registry image and both digests', () => {
    expect(
      formatTagConflict('hello', '127.0.0.1:5000/gantry/hello', { tag: '0.2.0', existing: OLD, attempted: NEW }),
    ).toBe(
      `hello: tag 0.2.0 already points to ${OLD} in 127.0.0.1:5000/gantry/hello; refusing to move it to ${NEW} (tags are immutable)`,
    );
  });

  it('gives one line per conflicting tag and keeps the details on the error', () => {
    const error = new ImmutableTagError('hello', 'r/gantry/hello', [
      { tag: '0.2.0', existing: OLD, attempted: NEW },
      { tag: 'sha-abc', existing: OLD, attempted: NEW },
    ]);

    expect(error.message.split('\n')).toEqual([
      `hello: tag 0.2.0 already points to ${OLD} in r/gantry/hello; refusing to move it to ${NEW} (tags are immutable)`,
      `hello: tag sha-abc already points to ${OLD} in r/gantry/hello; refusing to move it to ${NEW} (tags are immutable)`,
    ]);
    expect(error.conflicts.map((conflict) => conflict.tag)).toEqual(['0.2.0', 'sha-abc']);
  });

  it('tags an image with its version and commit, never latest', () => {
    expect(imageTags('0.2.0', 'abc123')).toEqual(['0.2.0', 'sha-abc123']);
  });
});

describe('publishImage against a /v2 server', () => {
  let fake: FakeRegistry;
  const lines: string[] = [];
  const log = (line: string) => lines.push(line);

  beforeEach(async () => {
    fake = await FakeRegistry.start();
    lines.length = 0;
  });
  afterEach(() => fake.close());

  it('pushes every tag that is not there yet and reports the manifest digest', async () => {
    const docker = fakeDocker(fake, { 'gantry/hello:0.1.0': NEW });

    const result = await publishImage(docker, registryClient(fake.host), {
      service: 'hello',
      repository: 'gantry/hello',
      tags: ['0.1.0', 'sha-abc'],
      localImage: 'gantry/hello:0.1.0',
      log,
    });

    expect(result).toEqual({
      service: 'hello',
      image: `${fake.host}/gantry/hello`,
      tags: ['0.1.0', 'sha-abc'],
      digest: fake.tagDigest('gantry/hello', '0.1.0'),
      pushed: ['0.1.0', 'sha-abc'],
      skipped: [],
    });
    expect(docker.calls.filter((args) => args[0] === 'push')).toEqual([
      ['push', `${fake.host}/gantry/hello:0.1.0`],
      ['push', `${fake.host}/gantry/hello:sha-abc`],
    ]);
  });

  it('skips a tag that already holds the same image, saying so, and pushes the rest', async () => {
    fake.putImage('gantry/hello', '0.1.0', NEW);
    const docker = fakeDocker(fake, { local: NEW });

    const result = await publishImage(docker, registryClient(fake.host), {
      service: 'hello',
      repository: 'gantry/hello',
      tags: ['0.1.0', 'sha-abc'],
      localImage: 'local',
      log,
    });

    expect(result.skipped).toEqual(['0.1.0']);
    expect(result.pushed).toEqual(['sha-abc']);
    expect(lines).toContain(
      `hello: tag 0.1.0 already points to ${NEW} in ${fake.host}/gantry/hello; skipping it (same image)`,
    );
  });

  it('refuses to move any tag, pushing nothing, when one tag holds another image', async () => {
    const before = fake.putImage('gantry/hello', 'sha-abc', OLD);
    const docker = fakeDocker(fake, { local: NEW });

    await expect(
      publishImage(docker, registryClient(fake.host), {
        service: 'hello',
        repository: 'gantry/hello',
        tags: ['0.2.0', 'sha-abc'],
        localImage: 'local',
        log,
      }),
    ).rejects.toThrow(
      `hello: tag sha-abc already points to ${OLD} in ${fake.host}/gantry/hello; refusing to move it to ${NEW} (tags are immutable)`,
    );
    expect(docker.calls.filter((args) => args[0] === 'tag' || args[0] === 'push')).toEqual([]);
    expect(fake.tagDigest('gantry/hello', '0.2.0')).toBeUndefined();
    expect(fake.tagDigest('gantry/hello', 'sha-abc')).toBe(before);
  });

  it('tags an image BuildKit pushed by digest through the registry API, without the docker CLI', async () => {
    const digest = fake.putImage('gantry/hello', `sha256:${'c'.repeat(64)}`, NEW, MEDIA_TYPES.ociManifest);
    const docker = fakeDocker(fake, {});

    const result = await publishImage(docker, registryClient(fake.host), {
      service: 'hello',
      repository: 'gantry/hello',
      tags: ['0.1.0', 'sha-abc'],
      log,
      pushed: { repository: 'gantry/hello', manifestDigest: digest, configDigest: NEW },
    });

    expect(result).toEqual(expect.objectContaining({ digest, pushed: ['0.1.0', 'sha-abc'], skipped: [] }));
    expect(fake.tagDigest('gantry/hello', 'sha-abc')).toBe(digest);
    expect(docker.calls).toEqual([]);
  });

  it('checks the tags of every service before any is pushed', async () => {
    fake.putImage('gantry/pricing', '0.3.0', OLD);
    const docker = fakeDocker(fake, { hello: NEW, pricing: NEW });
    const client = registryClient(fake.host);
    const plans = [
      await planPublish(docker, client, {
        service: 'hello',
        repository: 'gantry/hello',
        tags: ['0.1.0'],
        localImage: 'hello',
      }),
      await planPublish(docker, client, {
        service: 'pricing',
        repository: 'gantry/pricing',
        tags: ['0.3.0'],
        localImage: 'pricing',
      }),
    ];

    expect(plans[0]).toEqual(expect.objectContaining({ toPush: ['0.1.0'], skipped: [], conflicts: [] }));
    expect(() => assertNoConflicts(plans)).toThrow(
      /^pricing: tag 0\.3\.0 already points to sha256:a{64} in .*gantry\/pricing; refusing to move it to sha256:b{64}/,
    );
    expect(() => assertNoConflicts([plans[0]])).not.toThrow();
  });

  it('refuses a call that names no image, or both kinds', async () => {
    const docker = fakeDocker(fake, {});
    const client = registryClient(fake.host);

    await expect(
      publishImage(docker, client, { service: 'hello', repository: 'gantry/hello', tags: ['0.1.0'] }),
    ).rejects.toThrow(/exactly one of localImage/);
    await expect(
      publishImage(docker, client, { service: 'hello', repository: 'gantry/hello', tags: [], localImage: 'x' }),
    ).rejects.toThrow(/no tags/);
  });
});
