import { KindGuard, Type, type Static, type TObject, type TProperties, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { SHUTDOWN_TIMING } from '@gantry/service-catalog';

/** Bad configuration: the message is one line that names each variable and what it must be. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** An integer env variable; `description` is the "must be" phrase used in error messages. */
export function intVar(min: number, max: number, fallback?: number) {
  return Type.Integer({
    minimum: min,
    maximum: max,
    default: fallback,
    description: `an integer from ${min} to ${max}`,
  });
}

/** An http(s) URL env variable. */
export function urlVar(fallback?: string) {
  return Type.String({
    pattern: '^https?://[^\\s/]+(/\\S*)?$',
    default: fallback,
    description: 'an http:// or https:// URL',
  });
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** What every service reads; defaults for the ports come from its catalog entry. */
export function baseConfigSchema(defaults: { port: number; metricsPort: number }) {
  return Type.Object({
    HOST: Type.String({ minLength: 1, default: '0.0.0.0', description: 'a host name or address to listen on' }),
    PORT: intVar(1, 65535, defaults.port),
    // 0 turns the metrics listener off.
    METRICS_PORT: intVar(0, 65535, defaults.metricsPort),
    LOG_LEVEL: Type.Union(
      LOG_LEVELS.map((level) => Type.Literal(level)),
      { default: 'info', description: `one of ${LOG_LEVELS.join(', ')}` },
    ),
    BODY_LIMIT_BYTES: intVar(1, 100 * 1024 * 1024, 1024 * 1024),
    // Readiness answers 503 this long before the listener closes, so the load balancer stops sending first.
    SHUTDOWN_DELAY_MS: intVar(0, 60_000, SHUTDOWN_TIMING.shutdownDelaySeconds * 1000),
    // In-flight requests get this long to finish; the stopTimeout and deregistration delay derive from the same chain.
    DRAIN_TIMEOUT_MS: intVar(0, 110_000, SHUTDOWN_TIMING.drainTimeoutSeconds * 1000),
    MAX_EVENT_LOOP_DELAY_MS: intVar(0, 60_000, 1_000),
    GANTRY_COMMIT: Type.String({ minLength: 1, default: 'unknown', description: 'a git commit' }),
    GANTRY_BUILT_AT: Type.String({ minLength: 1, default: 'unknown', description: 'an ISO-8601 time' }),
  });
}

export type BaseConfig = Static<ReturnType<typeof baseConfigSchema>>;

/**
 * Reads the schema's variables from `env` once, applies defaults, converts types and validates.
 * Throws a ConfigError whose message is a single line naming every bad variable.
 */
export function loadConfig<P extends TProperties>(schema: TObject<P>, env: NodeJS.ProcessEnv): Static<TObject<P>> {
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(schema.properties)) {
    if (isSet(env[key])) picked[key] = env[key];
  }
  const value = Value.Convert(schema, Value.Default(schema, picked)) as Record<string, unknown>;
  // Convert would turn "1.5" and "1e6" into 1 and "true" into 1; an integer must be written as plain digits.
  for (const key of Object.keys(schema.properties)) {
    const raw = env[key];
    if (isSet(raw) && KindGuard.IsInteger(schema.properties[key]) && !/^-?\d+$/.test(raw)) value[key] = raw;
  }
  if (Value.Check(schema, value)) return value;
  const problems = new Map<string, string>();
  for (const error of Value.Errors(schema, value)) {
    const variable = error.path.replace(/^\//, '');
    if (problems.has(variable)) continue;
    const expected = describe(schema.properties[variable]);
    const got = isSet(env[variable]) ? `got ${JSON.stringify(env[variable])}` : 'it is not set';
    problems.set(variable, `${variable} must be ${expected} (${got})`);
  }
  throw new ConfigError(`invalid configuration: ${[...problems.values()].join('; ')}`);
}

// An empty string counts as unset, so `PORT=` in a compose file or task definition means "use the default".
function isSet(raw: string | undefined): raw is string {
  return raw !== undefined && raw !== '';
}

function describe(schema: TSchema | undefined): string {
  return typeof schema?.description === 'string' ? schema.description : 'valid';
}
