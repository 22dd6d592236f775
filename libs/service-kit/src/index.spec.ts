import * as kit from './index';

describe('public index', () => {
  it('exports exactly the kit API, and no test helpers', () => {
    expect(Object.keys(kit).sort()).toEqual(
      [
        'BadGatewayError',
        'ConfigError',
        'ErrorBodySchema',
        'GatewayTimeoutError',
        'NotFoundError',
        'REQUEST_ID_HEADER',
        'ServiceUnavailableError',
        'applyResponseHeaders',
        'baseConfigSchema',
        'buildService',
        'clientErrorHandler',
        'errorBody',
        'errorsPlugin',
        'frameworkErrorHandler',
        'helmetHeaders',
        'installGracefulShutdown',
        'intVar',
        'lifecyclePlugin',
        'loadConfig',
        'loadServiceConfig',
        'loadSheddingPlugin',
        'metricsPlugin',
        'probesPlugin',
        'requestIdFrom',
        'responseHeadersPlugin',
        'runService',
        'serviceConfigSchema',
        'startMetricsServer',
        'urlVar',
      ].sort(),
    );
  });
});
