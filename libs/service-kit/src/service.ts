import type { Static, TObject, TProperties } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import type { ServiceEntry } from '@gantry/service-catalog';
import type { BaseConfig } from './config';
import { AccessLog } from './access-log';
import { clientErrorHandler, errorsPlugin, frameworkErrorHandler } from './errors';
import { lifecyclePlugin } from './lifecycle';
import { loadSheddingPlugin } from './load-shedding';
import { metricsPlugin } from './metrics';
import { probesPlugin } from './probes';
import { REQUEST_ID_HEADER, requestIdFrom } from './request-id';
import { requestLoggerFactory } from './request-logger';
import { responseHeadersPlugin } from './response-headers';
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
      // No redaction: the request serializer writes no headers, so authorization and cookies never reach a
      // line, and redaction would copy every access line on the way (about 1 µs a request at info).
    },
    logController: new AccessLog(),
    childLoggerFactory: requestLoggerFactory,
    bodyLimit: config.BODY_LIMIT_BYTES,
    genReqId: requestIdFrom,
    requestIdHeader: false,
    // Fastify's own 503 for a request that arrives on a kept-alive socket after close() has neither the
    // error shape nor the kit's headers; such a request (pipelined, or sent as the listener closed) is
    // served instead, as every response since the shutdown signal already closes its connection.
    return503OnClosing: false,
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
    ...validationOptions,
  }).withTypeProvider<TypeBoxTypeProvider>();

  await app.register(errorsPlugin);
  await app.register(lifecyclePlugin);
  await app.register(responseHeadersPlugin);
  await app.register(loadSheddingPlugin, { maxEventLoopDelayMs: config.MAX_EVENT_LOOP_DELAY_MS });
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
