import { S3Client } from '@aws-sdk/client-s3';
import type { CacheConfig } from './config';

/**
 * An S3 client for the cache bucket. Keys in `env` win over the default credential chain,
 * so a caller can pass a whole environment (tests use s3rver's fixed keys); CodeBuild uses its role.
 */
export function createS3Client(config: CacheConfig, env: NodeJS.ProcessEnv = {}): S3Client {
  const accessKeyId = env['AWS_ACCESS_KEY_ID'];
  const secretAccessKey = env['AWS_SECRET_ACCESS_KEY'];
  return new S3Client({
    region: config.GANTRY_CACHE_REGION,
    ...(config.GANTRY_CACHE_ENDPOINT ? { endpoint: config.GANTRY_CACHE_ENDPOINT, forcePathStyle: true } : {}),
    ...(accessKeyId && secretAccessKey
      ? { credentials: { accessKeyId, secretAccessKey, sessionToken: env['AWS_SESSION_TOKEN'] || undefined } }
      : {}),
    // A dead endpoint must turn into a quick cache miss, not a stalled build.
    requestHandler: { connectionTimeout: 3_000, socketTimeout: 30_000 },
  });
}
