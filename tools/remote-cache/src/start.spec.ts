import { freePort } from '@gantry/process';
import { ConfigError } from '@gantry/service-kit';
import { CacheUnavailableError, startCacheServer } from './start';
import { startS3rver, type S3Fixture } from './test-fixture';

describe('startCacheServer', () => {
  let s3: S3Fixture;

  beforeAll(async () => {
    s3 = await startS3rver();
  });
  afterAll(() => s3.close());

  it('serves the bucket on 127.0.0.1 and hands back the variables for Nx', async () => {
    const cache = await startCacheServer({
      ...s3.env,
      GANTRY_CACHE_MODE: 'read-write',
      GANTRY_CACHE_TOKEN: 'start-token-1',
    });
    try {
      const headers = { authorization: 'Bearer start-token-1' };
      const put = await fetch(`${cache.url}/v1/cache/abc`, { method: 'PUT', body: 'tar', headers });
      const get = await fetch(`${cache.url}/v1/cache/abc`, { headers });

      expect(cache.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(cache.env).toEqual({
        NX_SELF_HOSTED_REMOTE_CACHE_SERVER: cache.url,
        NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: 'start-token-1',
      });
      expect([put.status, await get.text()]).toEqual([200, 'tar']);
      expect(await s3.listKeys()).toEqual(['nx-cache/abc']);
    } finally {
      await cache.close();
    }
  });

  it('refuses to start when the bucket is unreachable', async () => {
    const env = { ...s3.env, GANTRY_CACHE_ENDPOINT: `http://127.0.0.1:${await freePort()}` };

    const failure = await startCacheServer(env, { probeTimeoutMs: 1_000 }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(CacheUnavailableError);
    expect((failure as Error).message).toMatch(/^S3 bucket gantry-cache unreachable \(.*ECONNREFUSED.*\)$/);
  });

  it('throws a ConfigError naming the bad variable', async () => {
    const failure = await startCacheServer({ ...s3.env, GANTRY_CACHE_MODE: 'yes' }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as Error).message).toContain('GANTRY_CACHE_MODE must be one of read-write, read-only (got "yes")');
  });
});
