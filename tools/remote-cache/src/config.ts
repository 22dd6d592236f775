import { intVar, loadConfig, urlVar } from '@gantry/service-kit';
import { Type, type Static } from '@sinclair/typebox';

export const CACHE_MODES = ['read-write', 'read-only'] as const;
export type CacheMode = (typeof CACHE_MODES)[number];

/** The default cap on one cache entry: 512 MiB, far above an Nx task's output, far below a runaway upload. */
export const DEFAULT_MAX_BYTES = 512 * 1024 * 1024;
/** S3's largest object (5 TiB): no cap above it means anything. */
const S3_MAX_OBJECT_BYTES = 5 * 1024 ** 4;

export const cacheConfigSchema = Type.Object({
  // S3 general-purpose bucket naming rules: 3-63 lowercase letters, digits, dots and hyphens.
  GANTRY_CACHE_BUCKET: Type.String({
    pattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$',
    description: 'an S3 bucket name (3-63 lowercase letters, digits, dots or hyphens)',
  }),
  GANTRY_CACHE_PREFIX: Type.String({
    pattern: "^[A-Za-z0-9!_.*'()/-]{0,512}$",
    default: 'nx-cache/',
    description: 'an S3 key prefix such as nx-cache/',
  }),
  GANTRY_CACHE_REGION: Type.String({
    pattern: '^[a-z]{2}(-[a-z]+)+-\\d{1,2}$',
    default: 'us-east-1',
    description: 'an AWS region such as eu-west-1',
  }),
  // Set only for an S3-compatible server such as s3rver; it switches the client to path-style URLs.
  GANTRY_CACHE_ENDPOINT: Type.Optional(urlVar()),
  GANTRY_CACHE_TOKEN: Type.Optional(
    Type.String({ pattern: '^\\S{8,}$', description: 'a token of 8 or more non-space characters' }),
  ),
  // Read-only by default: only trusted builds of main may write, against CREEP cache poisoning (CVE-2025-36852).
  GANTRY_CACHE_MODE: Type.Union(
    CACHE_MODES.map((mode) => Type.Literal(mode)),
    { default: 'read-only', description: `one of ${CACHE_MODES.join(', ')}` },
  ),
  GANTRY_CACHE_PORT: intVar(0, 65535, 0),
  // A PUT with a larger Content-Length is refused before S3 sees a byte: a bound on what one build can store.
  GANTRY_CACHE_MAX_BYTES: intVar(1, S3_MAX_OBJECT_BYTES, DEFAULT_MAX_BYTES),
});

export type CacheConfig = Static<typeof cacheConfigSchema>;

/** Reads and validates the adapter's variables; throws a one-line ConfigError naming each bad one. */
export function loadCacheConfig(env: NodeJS.ProcessEnv): CacheConfig {
  return loadConfig(cacheConfigSchema, env);
}
