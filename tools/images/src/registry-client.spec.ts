import { MANIFEST_ACCEPT, MEDIA_TYPES, registryClient, registryUrl, sha256Digest } from './registry-client';
import { FakeRegistry } from './test-support/fake-registry';

const config = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;

describe('registryUrl', () => {
  it('uses plain http for loopback registries and https for any other', () => {
    expect(registryUrl('127.0.0.1:5000')).toEqual({ host: '127.0.0.1:5000', url: 'http://127.0.0.1:5000' });
    expect(registryUrl('localhost:5000').url).toBe('http://localhost:5000');
    expect(registryUrl('123456789012.dkr.ecr.eu-west-1.amazonaws.com').url).toBe(
      'https://123456789012.dkr.ecr.eu-west-1.amazonaws.com',
    );
    expect(registryUrl('https://registry.example:8443')).toEqual({
      host: 'registry.example:8443',
      url: 'https://registry.example:8443',
    });
  });

  it('refuses a registry with a path, which would be a repository', () => {
    expect(() => registryUrl('127.0.0.1:5000/gantry')).toThrow(/must be host\[:port\]/);
  });
});

describe('registryClient against a /v2 server', () => {
  let fake: FakeRegistry;

  beforeEach(async () => {
    fake = await FakeRegistry.start();
  });
  afterEach(() => fake.close());

  it('reads the manifest digest of a tag with HEAD, asking for Docker and OCI manifests and lists', async () => {
    const digest = fake.putImage('gantry/hello', '0.1.0', config(1));
    const client = registryClient(fake.host);

    await expect(client.manifestDigest('gantry/hello', '0.1.0')).resolves.toBe(digest);
    expect(fake.requests).toEqual([
      expect.objectContaining({ method: 'HEAD', path: '/v2/gantry/hello/manifests/0.1.0', accept: MANIFEST_ACCEPT }),
    ]);
    for (const type of Object.values(MEDIA_TYPES)) expect(MANIFEST_ACCEPT).toContain(type);
  });

  it('answers undefined for a tag the registry does not have', async () => {
    fake.putImage('gantry/hello', '0.1.0', config(1));
    const client = registryClient(fake.host);

    await expect(client.manifestDigest('gantry/hello', '0.2.0')).resolves.toBeUndefined();
    await expect(client.configDigest('gantry/hello', '0.2.0')).resolves.toBeUndefined();
    await expect(client.manifestDigest('gantry/other', '0.1.0')).resolves.toBeUndefined();
  });

  it('lists the tags of a repository, and none for a repository the registry does not have', async () => {
    fake.putImage('gantry/hello', '0.1.0', config(1));
    fake.putImage('gantry/hello', 'sha-abc', config(1));
    const client = registryClient(fake.host);

    await expect(client.tags('gantry/hello')).resolves.toEqual(['0.1.0', 'sha-abc']);
    await expect(client.tags('gantry/other')).resolves.toEqual([]);
  });

  it('hashes the manifest body when HEAD answers without Docker-Content-Digest', async () => {
    await fake.close();
    fake = await FakeRegistry.start({ omitHeadDigest: true });
    const digest = fake.putImage('gantry/hello', '0.1.0', config(1), MEDIA_TYPES.ociManifest);

    await expect(registryClient(fake.host).manifestDigest('gantry/hello', '0.1.0')).resolves.toBe(digest);
    expect(fake.requests.map((request) => request.method)).toEqual(['HEAD', 'GET']);
  });

  it('reads the config digest from a Docker v2 or OCI manifest', async () => {
    fake.putImage('gantry/hello', '0.1.0', config(1));
    fake.putImage('gantry/hello', 'sha-abc', config(2), MEDIA_TYPES.ociManifest);
    const client = registryClient(fake.host);

    await expect(client.configDigest('gantry/hello', '0.1.0')).resolves.toBe(config(1));
    await expect(client.configDigest('gantry/hello', 'sha-abc')).resolves.toBe(config(2));
  });

  it('follows an index holding one image and its attestation to the image config', async () => {
    const image = fake.putImage('gantry/hello', sha256Digest(Buffer.from('x')), config(3), MEDIA_TYPES.ociManifest);
    const attestation = fake.putImage(
      'gantry/hello',
      sha256Digest(Buffer.from('y')),
      config(4),
      MEDIA_TYPES.ociManifest,
    );
    const index = {
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociIndex,
      manifests: [
        { mediaType: MEDIA_TYPES.ociManifest, digest: image, platform: { os: 'linux', architecture: 'arm64' } },
        {
          mediaType: MEDIA_TYPES.ociManifest,
          digest: attestation,
          platform: { os: 'unknown', architecture: 'unknown' },
        },
      ],
    };
    fake.store('gantry/hello', '0.3.0', Buffer.from(JSON.stringify(index)), MEDIA_TYPES.ociIndex);

    await expect(registryClient(fake.host).configDigest('gantry/hello', '0.3.0')).resolves.toBe(config(3));
  });

  it('refuses to pick one config from a multi-platform list', async () => {
    const list = {
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.dockerManifestList,
      manifests: [
        { digest: config(5), platform: { os: 'linux', architecture: 'amd64' } },
        { digest: config(6), platform: { os: 'linux', architecture: 'arm64' } },
      ],
    };
    fake.store('gantry/hello', '0.4.0', Buffer.from(JSON.stringify(list)), MEDIA_TYPES.dockerManifestList);

    await expect(registryClient(fake.host).configDigest('gantry/hello', '0.4.0')).rejects.toThrow(
      /list of 2 platform images/,
    );
  });

  it('tags a manifest with PUT, keeping its bytes and media type', async () => {
    const digest = fake.putImage('gantry/hello', sha256Digest(Buffer.from('z')), config(7), MEDIA_TYPES.ociManifest);
    const client = registryClient(fake.host);
    const manifest = await client.getManifest('gantry/hello', digest);

    await expect(
      client.putManifest('gantry/hello', '1.0.0', manifest?.body as Buffer, manifest?.mediaType as string),
    ).resolves.toBe(digest);
    expect(fake.tagDigest('gantry/hello', '1.0.0')).toBe(digest);
    expect(fake.requests.at(-1)).toEqual(
      expect.objectContaining({ method: 'PUT', contentType: MEDIA_TYPES.ociManifest }),
    );
  });

  it('sends basic credentials when given, and says so when the registry refuses', async () => {
    await fake.close();
    fake = await FakeRegistry.start({ credentials: { username: 'AWS', password: 'token' } });
    const digest = fake.putImage('gantry/hello', '0.1.0', config(1));

    await expect(
      registryClient(fake.host, { auth: { username: 'AWS', password: 'token' } }).manifestDigest(
        'gantry/hello',
        '0.1.0',
      ),
    ).resolves.toBe(digest);
    expect(fake.requests[0].authorization).toBe(`Basic ${Buffer.from('AWS:token').toString('base64')}`);
    await expect(registryClient(fake.host).configDigest('gantry/hello', '0.1.0')).rejects.toThrow(
      /GET http:\/\/127\.0\.0\.1:\d+\/v2\/gantry\/hello\/manifests\/0\.1\.0 answered 401 \(credentials missing or refused\)/,
    );
  });

  it('names the registry when nothing listens there', async () => {
    const host = fake.host;
    await fake.close();
    fake = await FakeRegistry.start();

    await expect(registryClient(host, { timeoutMs: 2_000 }).manifestDigest('gantry/hello', '0.1.0')).rejects.toThrow(
      new RegExp(
        `registry HEAD http://${host.replace(/\./g, '\\.')}/v2/gantry/hello/manifests/0\\.1\\.0 failed: .*ECONNREFUSED`,
      ),
    );
  });
});
