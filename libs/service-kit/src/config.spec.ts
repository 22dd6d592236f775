import { SHUTDOWN_TIMING } from '@gantry/service-catalog';
import { Type } from '@sinclair/typebox';
import { baseConfigSchema, ConfigError, intVar, loadConfig, urlVar } from './config';

const base = baseConfigSchema({ port: 3999, metricsPort: 9999 });

function configErrorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError, but nothing was thrown');
}

describe('loadConfig', () => {
  it('applies every default of the base schema when the environment is empty', () => {
    expect(loadConfig(base, {})).toEqual({
      HOST: '0.0.0.0',
      PORT: 3999,
      METRICS_PORT: 9999,
      LOG_LEVEL: 'info',
      BODY_LIMIT_BYTES: 1024 * 1024,
      SHUTDOWN_DELAY_MS: 2000,
      DRAIN_TIMEOUT_MS: 10000,
      MAX_EVENT_LOOP_DELAY_MS: 1000,
      GANTRY_COMMIT: 'unknown',
      GANTRY_BUILT_AT: 'unknown',
    });
  });

  it('converts integer variables from their string form', () => {
    const config = loadConfig(base, {
      PORT: '8080',
      METRICS_PORT: '0',
      BODY_LIMIT_BYTES: '2048',
      DRAIN_TIMEOUT_MS: '110000',
    });

    expect(config.PORT).toBe(8080);
    expect(config.METRICS_PORT).toBe(0);
    expect(config.BODY_LIMIT_BYTES).toBe(2048);
    expect(config.DRAIN_TIMEOUT_MS).toBe(110000);
  });

  it('keeps string variables as given', () => {
    const config = loadConfig(base, {
      HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
      GANTRY_COMMIT: 'abc1234',
      GANTRY_BUILT_AT: '2024-05-01T10:00:00Z',
    });

    expect(config).toMatchObject({
      HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
      GANTRY_COMMIT: 'abc1234',
      GANTRY_BUILT_AT: '2024-05-01T10:00:00Z',
    });
  });

  it('treats an empty string as unset, so the default applies', () => {
    const config = loadConfig(base, { PORT: '', LOG_LEVEL: '', GANTRY_COMMIT: '' });

    expect(config.PORT).toBe(3999);
    expect(config.LOG_LEVEL).toBe('info');
    expect(config.GANTRY_COMMIT).toBe('unknown');
  });

  it('ignores variables that are not in the schema', () => {
    const config = loadConfig(base, { PATH: '/usr/bin', SOMETHING_ELSE: 'x' });

    expect(Object.keys(config).sort()).toEqual(Object.keys(base.properties).sort());
  });

  it('accepts the ends of an integer range', () => {
    expect(loadConfig(base, { PORT: '1' }).PORT).toBe(1);
    expect(loadConfig(base, { PORT: '65535' }).PORT).toBe(65535);
  });

  it('rejects a non-numeric port with a one-line message naming PORT and the value', () => {
    const error = configErrorOf(() => loadConfig(base, { PORT: 'abc' }));

    expect(error.name).toBe('ConfigError');
    expect(error.message).toBe('invalid configuration: PORT must be an integer from 1 to 65535 (got "abc")');
  });

  it('rejects a port above the range', () => {
    expect(configErrorOf(() => loadConfig(base, { PORT: '70000' })).message).toBe(
      'invalid configuration: PORT must be an integer from 1 to 65535 (got "70000")',
    );
  });

  it('rejects a port of 0, which only the metrics port allows', () => {
    expect(configErrorOf(() => loadConfig(base, { PORT: '0' })).message).toBe(
      'invalid configuration: PORT must be an integer from 1 to 65535 (got "0")',
    );
  });

  it.each([
    ['a fraction', '1.5'],
    ['exponent notation', '1e6'],
    ['a boolean word', 'true'],
    ['trailing junk', '10abc'],
  ])('rejects %s for an integer variable instead of silently converting it', (_label, raw) => {
    expect(configErrorOf(() => loadConfig(base, { BODY_LIMIT_BYTES: raw })).message).toBe(
      `invalid configuration: BODY_LIMIT_BYTES must be an integer from 1 to 104857600 (got ${JSON.stringify(raw)})`,
    );
  });

  it('rejects an unknown log level, listing the allowed ones', () => {
    expect(configErrorOf(() => loadConfig(base, { LOG_LEVEL: 'loud' })).message).toBe(
      'invalid configuration: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
    );
  });

  it('names every bad variable once, in schema order, on a single line', () => {
    const error = configErrorOf(() =>
      loadConfig(base, { PORT: 'abc', METRICS_PORT: '-1', LOG_LEVEL: 'LOUD', SHUTDOWN_DELAY_MS: '60001' }),
    );

    expect(error.message).toBe(
      'invalid configuration: PORT must be an integer from 1 to 65535 (got "abc"); ' +
        'METRICS_PORT must be an integer from 0 to 65535 (got "-1"); ' +
        'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "LOUD"); ' +
        'SHUTDOWN_DELAY_MS must be an integer from 0 to 60000 (got "60001")',
    );
    expect(error.message).not.toContain('\n');
  });

  it('reports a required variable that is not set', () => {
    const schema = Type.Object({ CATALOG_URL: urlVar() });

    expect(configErrorOf(() => loadConfig(schema, {})).message).toBe(
      'invalid configuration: CATALOG_URL must be an http:// or https:// URL (it is not set)',
    );
  });

  it('reports a required variable set to an empty string as not set', () => {
    const schema = Type.Object({ CATALOG_URL: urlVar() });

    expect(configErrorOf(() => loadConfig(schema, { CATALOG_URL: '' })).message).toBe(
      'invalid configuration: CATALOG_URL must be an http:// or https:// URL (it is not set)',
    );
  });

  it('reports a missing required variable together with a bad one', () => {
    const schema = Type.Object({ TIMEOUT_MS: intVar(1, 1000, 500), CATALOG_URL: urlVar() });

    expect(configErrorOf(() => loadConfig(schema, { TIMEOUT_MS: 'soon' })).message).toBe(
      'invalid configuration: CATALOG_URL must be an http:// or https:// URL (it is not set); ' +
        'TIMEOUT_MS must be an integer from 1 to 1000 (got "soon")',
    );
  });

  it('says "valid" for a variable whose schema has no description', () => {
    const schema = Type.Object({ MODE: Type.String({ pattern: '^(a|b)$' }) });

    expect(configErrorOf(() => loadConfig(schema, { MODE: 'c' })).message).toBe(
      'invalid configuration: MODE must be valid (got "c")',
    );
  });
});

describe('urlVar', () => {
  const schema = Type.Object({ UPSTREAM: urlVar('http://localhost:3001') });

  it('falls back to its default', () => {
    expect(loadConfig(schema, {}).UPSTREAM).toBe('http://localhost:3001');
  });

  it.each(['http://catalog.internal', 'https://catalog.internal:8443/api/v1'])('accepts %s', (url) => {
    expect(loadConfig(schema, { UPSTREAM: url }).UPSTREAM).toBe(url);
  });

  it.each(['ftp://catalog', 'catalog.internal', 'http://', 'http://bad host/'])('rejects %s', (url) => {
    expect(configErrorOf(() => loadConfig(schema, { UPSTREAM: url })).message).toBe(
      `invalid configuration: UPSTREAM must be an http:// or https:// URL (got ${JSON.stringify(url)})`,
    );
  });
});

describe('baseConfigSchema', () => {
  it('takes the shutdown delay and drain timeout defaults from the shared shutdown timing chain', () => {
    const config = loadConfig(base, {});

    expect(config.SHUTDOWN_DELAY_MS).toBe(SHUTDOWN_TIMING.shutdownDelaySeconds * 1000);
    expect(config.DRAIN_TIMEOUT_MS).toBe(SHUTDOWN_TIMING.drainTimeoutSeconds * 1000);
  });

  it('takes its port defaults from the catalog entry', () => {
    const config = loadConfig(baseConfigSchema({ port: 4100, metricsPort: 9100 }), {});

    expect(config.PORT).toBe(4100);
    expect(config.METRICS_PORT).toBe(9100);
  });
});
