export {
  CACHE_MODES,
  cacheConfigSchema,
  DEFAULT_MAX_BYTES,
  loadCacheConfig,
  type CacheConfig,
  type CacheMode,
} from './config';
export { createS3Client } from './s3-client';
export { describeS3Error, probeBucket, type ProbeResult } from './s3-probe';
export { buildCacheServer, READ_ONLY_MESSAGE, type CacheServerOptions } from './server';
export { CacheUnavailableError, startCacheServer, type RunningCache, type StartOptions } from './start';
export { startS3Standin, type S3Standin } from './s3-standin';
