export { baseConfigSchema, ConfigError, intVar, loadConfig, urlVar, type BaseConfig } from './config';
export {
  clientErrorHandler,
  errorBody,
  ErrorBodySchema,
  errorsPlugin,
  frameworkErrorHandler,
  type ErrorBody,
} from './errors';
export { BadGatewayError, GatewayTimeoutError, NotFoundError, ServiceUnavailableError } from './http-errors';
export { lifecyclePlugin, type DependencyCheck, type Lifecycle } from './lifecycle';
export { loadSheddingPlugin, type LoadSheddingOptions } from './load-shedding';
export { metricsPlugin, startMetricsServer } from './metrics';
export { probesPlugin, type BuildInfo } from './probes';
export { REQUEST_ID_HEADER, requestIdFrom } from './request-id';
export { applyResponseHeaders, helmetHeaders, responseHeadersPlugin } from './response-headers';
export { loadServiceConfig, runService, serviceConfigSchema } from './run';
export { buildService, type RouteOptions, type ServiceConfig, type ServiceDefinition } from './service';
export { installGracefulShutdown, type ShutdownOptions } from './shutdown';
