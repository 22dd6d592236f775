import type { Static, TObject, TProperties } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import type { ServiceEntry } from '@gantry/service-catalog';
import type { BaseConfig } from './config';
import { errorsPlugin } from './errors';
import { metricsPlugin } from './metrics';
import { probesPlugin } from './probes';
import { REQUEST_ID_HEADER, requestIdFrom, requestIdPlugin } from './request-id';
import { securityPlugin } from './security';
import { validationOptions } from './validation';

export type ServiceConfig<P extends TProperties> = BaseConfig & Static<TObject<P>>;

/** Options every service's routes receive. */
export interface RouteOptions<C> {
  config: C;
}

/** Everything the kit needs to know about one service. */
export interface ServiceDefinition<P extends TProperties = TProperties> {
  /** The service's catalog entry (apps/<name>/service.json). */
  entry: ServiceEntry;
  /** The service's package.json: its version is the service version. */
  manifest: { version: string };
  /** Extra environment variables the service reads, beyond the kit's. */
  config?: TObject<P>;
  /** The service's own routes; they are mounted under its prefix. */
  routes: FastifyPluginAsync<RouteOptions<ServiceConfig<P>>>;
}

/** Builds the service without listening: what tests `inject()` into and what `runService` starts. */
export async function buildService<P extends TProperties>(
  definition: ServiceDefinition<P>,
  config: ServiceConfig<P>,
): Promise<FastifyInstance> {
  const { entry } = definition;
  const app = Fastify({
    logger: {
      level: config.LOG_LEVEL,
      base: { service: entry.name, version: definition.manifest.version },
      redact: ['req.headers.authorization', 'req.headers.cookie'],
    },
    bodyLimit: config.BODY_LIMIT_BYTES,
    genReqId: requestIdFrom,
    requestIdHeader: false,
    return503OnClosing: true,
    ...validationOptions,
  }).withTypeProvider<TypeBoxTypeProvider>();

  await app.register(errorsPlugin);
  await app.register(requestIdPlugin);
  await app.register(securityPlugin, { maxEventLoopDelayMs: config.MAX_EVENT_LOOP_DELAY_MS });
  await app.register(metricsPlugin);
  await app.register(probesPlugin, {
    prefix: entry.prefix,
    build: {
      name: entry.name,
      version: definition.manifest.version,
      commit: config.GANTRY_COMMIT,
      builtAt: config.GANTRY_BUILT_AT,
    },
  });
  await app.register(definition.routes, { prefix: entry.prefix, config });
  return app;
}

export { REQUEST_ID_HEADER };
