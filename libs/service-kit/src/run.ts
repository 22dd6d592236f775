import { Type, type TObject, type TProperties } from '@sinclair/typebox';
import { baseConfigSchema, ConfigError, loadConfig } from './config';
import { startMetricsServer } from './metrics';
import { buildService, type ServiceConfig, type ServiceDefinition } from './service';
import { installGracefulShutdown } from './shutdown';

/** The full config schema of a service: the kit's variables plus its own. */
export function serviceConfigSchema<P extends TProperties>(definition: ServiceDefinition<P>): TObject {
  return Type.Object({ ...baseConfigSchema(definition.entry).properties, ...definition.config?.properties });
}

/** Loads and validates a service's whole config from `env`; throws ConfigError. */
export function loadServiceConfig<P extends TProperties>(
  definition: ServiceDefinition<P>,
  env: NodeJS.ProcessEnv,
): ServiceConfig<P> {
  // The schema is assembled at run time, so its static type is re-attached here.
  return loadConfig(serviceConfigSchema(definition), env) as unknown as ServiceConfig<P>;
}

/**
 * The only entry point a service's main.ts calls. There is no container health-check mode: the load
 * balancer's check on readiness is the judge (docs/decisions/0013-no-container-health-check.md).
 */
export async function runService<P extends TProperties>(definition: ServiceDefinition<P>): Promise<void> {
  const { entry } = definition;
  let config: ServiceConfig<P>;
  try {
    config = loadServiceConfig(definition, process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${entry.name}: ${error.message}\n`);
    process.exit(78); // EX_CONFIG
  }

  const app = await buildService(definition, config);
  try {
    await app.listen({ host: config.HOST, port: config.PORT });
    const metrics = config.METRICS_PORT > 0 ? [await startMetricsServer(app, config.HOST, config.METRICS_PORT)] : [];
    installGracefulShutdown(app, {
      delayMs: config.SHUTDOWN_DELAY_MS,
      drainTimeoutMs: config.DRAIN_TIMEOUT_MS,
      alsoClose: metrics,
    });
  } catch (error) {
    app.log.fatal({ err: error }, `${entry.name} failed to start: ${(error as Error).message}`);
    process.exit(1);
  }
}
