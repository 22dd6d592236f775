import { ConfigError } from '@gantry/service-kit';
import { loadCacheConfig } from './config';

function messageOf(env: NodeJS.ProcessEnv): string {
  try {
    loadCacheConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadCacheConfig', () => {
  it('needs only the bucket and defaults to a read-only cache on any free port', () => {
    expect(loadCacheConfig({ GANTRY_CACHE_BUCKET: 'gantry-cache' })).toEqual({
      GANTRY_CACHE_BUCKET: 'gantry-cache',
      GANTRY_CACHE_PREFIX: 'nx-cache/',
      GANTRY_CACHE_REGION: 'us-east-1',
      GANTRY_CACHE_MODE: 'read-only',
      GANTRY_CACHE_PORT: 0,
      GANTRY_CACHE_MAX_BYTES: 512 * 1024 * 1024,
    });
  });

  it('reads every variable when set', () => {
    const config = loadCacheConfig({
      GANTRY_CACHE_BUCKET: 'my.cache-bucket-1',
      GANTRY_CACHE_PREFIX: 'ci/nx/',
      GANTRY_CACHE_REGION: 'eu-west-2',
      GANTRY_CACHE_ENDPOINT: 'http://127.0.0.1:4568',
      GANTRY_CACHE_TOKEN: 'secret-token-1',
      GANTRY_CACHE_MODE: 'read-write',
      GANTRY_CACHE_PORT: '4000',
      GANTRY_CACHE_MAX_BYTES: '1048576',
    });

    expect(config).toMatchObject({
      GANTRY_CACHE_ENDPOINT: 'http://127.0.0.1:4568',
      GANTRY_CACHE_TOKEN: 'secret-token-1',
      GANTRY_CACHE_PORT: 4000,
      GANTRY_CACHE_MAX_BYTES: 1048576,
    });
  });

  it('names a missing bucket in a one-line error', () => {
    const message = messageOf({});

    expect(message).toBe(
      'invalid configuration: GANTRY_CACHE_BUCKET must be an S3 bucket name (3-63 lowercase letters, digits, dots or hyphens) (it is not set)',
    );
  });

  it.each([
    ['GANTRY_CACHE_BUCKET', 'My_Bucket'],
    ['GANTRY_CACHE_BUCKET', 'ab'],
    ['GANTRY_CACHE_PREFIX', 'nx cache/'],
    ['GANTRY_CACHE_REGION', 'europe'],
    ['GANTRY_CACHE_ENDPOINT', 'localhost:4568'],
    ['GANTRY_CACHE_TOKEN', 'short'],
    ['GANTRY_CACHE_MODE', 'write'],
    ['GANTRY_CACHE_PORT', '70000'],
    ['GANTRY_CACHE_PORT', '1.5'],
    ['GANTRY_CACHE_MAX_BYTES', '0'],
    ['GANTRY_CACHE_MAX_BYTES', '512MiB'],
    ['GANTRY_CACHE_MAX_BYTES', '6000000000000'],
  ])('rejects %s=%j and names it', (variable, value) => {
    const message = messageOf({ GANTRY_CACHE_BUCKET: 'gantry-cache', [variable]: value });

    expect(message).toContain(`${variable} must be`);
    expect(message).toContain(JSON.stringify(value));
    expect(message).not.toContain('\n');
  });
});
