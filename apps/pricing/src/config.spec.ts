import { ConfigError, loadServiceConfig } from '@gantry/service-kit';
import { buildTestService } from '@gantry/service-kit/testing';
import { pricing } from './service';

function configErrorFrom(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadServiceConfig(pricing, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected loadServiceConfig to throw a ConfigError');
}

describe('pricing config', () => {
  it('refuses to load without CATALOG_URL, naming the variable', () => {
    expect(configErrorFrom({}).message).toBe(
      'invalid configuration: CATALOG_URL must be an http:// or https:// URL (it is not set)',
    );
  });

  it('rejects a CATALOG_URL that is not http(s)', () => {
    expect(configErrorFrom({ CATALOG_URL: 'catalog:3002' }).message).toBe(
      'invalid configuration: CATALOG_URL must be an http:// or https:// URL (got "catalog:3002")',
    );
  });

  it('rejects an unresolved ${service:catalog} reference', () => {
    expect(configErrorFrom({ CATALOG_URL: '${service:catalog}' }).message).toBe(
      'invalid configuration: CATALOG_URL must be an http:// or https:// URL (got "${service:catalog}")',
    );
  });

  it('names every bad variable in one message', () => {
    const env = { CATALOG_URL: 'http://127.0.0.1:3002', CATALOG_TIMEOUT_MS: '10', CATALOG_RETRIES: 'many' };

    expect(configErrorFrom(env).message).toBe(
      'invalid configuration: CATALOG_TIMEOUT_MS must be an integer from 50 to 30000 (got "10"); ' +
        'CATALOG_RETRIES must be an integer from 0 to 5 (got "many")',
    );
  });

  it('applies the defaults for the catalog client', () => {
    const config = loadServiceConfig(pricing, { CATALOG_URL: 'http://127.0.0.1:3002' });

    expect(config).toMatchObject({
      CATALOG_URL: 'http://127.0.0.1:3002',
      CATALOG_TIMEOUT_MS: 2000,
      CATALOG_RETRIES: 2,
      CATALOG_DEADLINE_MS: 5000,
      CATALOG_RETRY_BUDGET_PERCENT: 20,
      CATALOG_BREAKER_FAILURES: 5,
      CATALOG_BREAKER_COOLDOWN_MS: 5000,
      CATALOG_CONCURRENCY: 64,
      PORT: 3003,
      METRICS_PORT: 9103,
    });
  });

  it('names each bad resilience setting and its range', () => {
    const env = {
      CATALOG_URL: 'http://127.0.0.1:3002',
      CATALOG_DEADLINE_MS: '50',
      CATALOG_RETRY_BUDGET_PERCENT: '150',
      CATALOG_BREAKER_FAILURES: '0',
      CATALOG_BREAKER_COOLDOWN_MS: '2.5',
      CATALOG_CONCURRENCY: 'lots',
    };

    expect(configErrorFrom(env).message).toBe(
      'invalid configuration: CATALOG_DEADLINE_MS must be an integer from 100 to 60000 (got "50"); ' +
        'CATALOG_RETRY_BUDGET_PERCENT must be an integer from 0 to 100 (got "150"); ' +
        'CATALOG_BREAKER_FAILURES must be an integer from 1 to 1000 (got "0"); ' +
        'CATALOG_BREAKER_COOLDOWN_MS must be an integer from 100 to 600000 (got "2.5"); ' +
        'CATALOG_CONCURRENCY must be an integer from 1 to 1024 (got "lots")',
    );
  });

  it('converts the numeric variables it is given', () => {
    const config = loadServiceConfig(pricing, {
      CATALOG_URL: 'https://catalog.internal',
      CATALOG_TIMEOUT_MS: '250',
      CATALOG_RETRIES: '0',
      CATALOG_DEADLINE_MS: '1500',
      CATALOG_BREAKER_COOLDOWN_MS: '30000',
    });

    expect(config).toMatchObject({
      CATALOG_TIMEOUT_MS: 250,
      CATALOG_RETRIES: 0,
      CATALOG_DEADLINE_MS: 1500,
      CATALOG_BREAKER_COOLDOWN_MS: 30000,
    });
  });

  it('cannot build the test service without CATALOG_URL', async () => {
    await expect(buildTestService(pricing)).rejects.toThrow(ConfigError);
    await expect(buildTestService(pricing)).rejects.toThrow(/CATALOG_URL must be an http:\/\/ or https:\/\/ URL/);
  });
});
