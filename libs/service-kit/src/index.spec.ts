import * as kit from './index';

describe('public index', () => {
  it('exports exactly the kit API, and no test helpers', () => {
    expect(Object.keys(kit).sort()).toEqual(
      [
        'BadGatewayError',
        'ConfigError',
        'GatewayTimeoutError',
        'NotFoundError',
        'REQUEST_ID_HEADER',
        'baseConfigSchema',
        'buildService',
        'errorBody',
        'errorsPlugin',
        'installGracefulShutdown',
        'intVar',
        'loadConfig',
        'loadServiceConfig',
        'metricsPlugin',
        'probe',
        'probesPlugin',
        'requestIdFrom',
        'requestIdPlugin',
        'runService',
        'securityPlugin',
        'serviceConfigSchema',
        'startMetricsServer',
        'urlVar',
      ].sort(),
    );
  });
});
