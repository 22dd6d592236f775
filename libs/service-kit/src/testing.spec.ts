import { ConfigError } from './config';
import { demo } from './test-fixture';
import { buildTestService } from './testing';

describe('buildTestService', () => {
  it('builds a quiet service that is not listening yet', async () => {
    const app = await buildTestService(demo);
    try {
      expect(app.log.level).toBe('silent');
      expect(app.server.listening).toBe(false);
      expect(app.lifecycle.state).toBe('starting');
    } finally {
      await app.close();
    }
  });

  it('uses the default body limit of 1 MiB', async () => {
    const app = await buildTestService(demo);
    try {
      expect(app.initialConfig.bodyLimit).toBe(1024 * 1024);
    } finally {
      await app.close();
    }
  });

  it('applies the env it is given on top of the test defaults', async () => {
    const app = await buildTestService(demo, { BODY_LIMIT_BYTES: '10', LOG_LEVEL: 'warn' });
    try {
      expect(app.initialConfig.bodyLimit).toBe(10);
      expect(app.log.level).toBe('warn');
      const response = await app.inject({ method: 'POST', url: '/demo/echo', payload: { n: 12345678 } });
      expect(response.statusCode).toBe(413);
    } finally {
      await app.close();
    }
  });

  it('rejects bad env with the same ConfigError a real start would give', async () => {
    await expect(buildTestService(demo, { BODY_LIMIT_BYTES: 'lots' })).rejects.toThrow(
      new ConfigError('invalid configuration: BODY_LIMIT_BYTES must be an integer from 1 to 104857600 (got "lots")'),
    );
  });

  it('does not read the real process environment', async () => {
    const saved = process.env['BODY_LIMIT_BYTES'];
    process.env['BODY_LIMIT_BYTES'] = '5';
    try {
      const app = await buildTestService(demo);
      expect(app.initialConfig.bodyLimit).toBe(1024 * 1024);
      await app.close();
    } finally {
      if (saved === undefined) delete process.env['BODY_LIMIT_BYTES'];
      else process.env['BODY_LIMIT_BYTES'] = saved;
    }
  });
});
