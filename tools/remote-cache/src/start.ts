import type { AddressInfo } from 'node:net';
import type { FastifyServerOptions } from 'fastify';
import { loadCacheConfig, type CacheConfig } from './config';
import { createS3Client } from './s3-client';
import { probeBucket } from './s3-probe';
import { buildCacheServer } from './server';

/** The bucket did not answer; callers carry on without a remote cache. */
export class CacheUnavailableError extends Error {
  override name = 'CacheUnavailableError';
  constructor(
    readonly bucket: string,
    readonly reason: string,
  ) {
    super(`S3 bucket ${bucket} unreachable (${reason})`);
  }
}

export interface RunningCache {
  url: string;
  config: CacheConfig;
  /** The variables that point Nx at this server. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export interface StartOptions {
  probeTimeoutMs?: number;
  logger?: FastifyServerOptions['logger'];
  warn?: (message: string) => void;
}

/**
 * Loads the GANTRY_CACHE_* config from `env`, checks the bucket answers, and serves the cache on 127.0.0.1.
 * Throws ConfigError for bad variables and CacheUnavailableError when S3 is unreachable.
 */
export async function startCacheServer(
  env: NodeJS.ProcessEnv = process.env,
  options: StartOptions = {},
): Promise<RunningCache> {
  const config = loadCacheConfig(env);
  const s3 = createS3Client(config, env);
  const probe = await probeBucket(s3, config.GANTRY_CACHE_BUCKET, options.probeTimeoutMs ?? 5_000);
  if (!probe.ok) {
    s3.destroy();
    throw new CacheUnavailableError(config.GANTRY_CACHE_BUCKET, probe.reason);
  }
  const token = config.GANTRY_CACHE_TOKEN;
  const app = buildCacheServer({
    s3,
    bucket: config.GANTRY_CACHE_BUCKET,
    prefix: config.GANTRY_CACHE_PREFIX,
    mode: config.GANTRY_CACHE_MODE,
    token,
    maxBytes: config.GANTRY_CACHE_MAX_BYTES,
    logger: options.logger,
    warn: options.warn,
  });
  await app.listen({ host: '127.0.0.1', port: config.GANTRY_CACHE_PORT });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    url,
    config,
    env: {
      NX_SELF_HOSTED_REMOTE_CACHE_SERVER: url,
      ...(token ? { NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: token } : {}),
    },
    close: async () => {
      await app.close();
      s3.destroy();
    },
  };
}
