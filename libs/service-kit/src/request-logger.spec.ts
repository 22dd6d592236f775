import Fastify, { type FastifyInstance } from 'fastify';
import { AccessLog } from './access-log';
import { RequestLogger, requestLoggerFactory } from './request-logger';

/** A Fastify instance logging to memory, with the kit's request logger or with Fastify's own pino child per request. */
async function appLoggingTo(lines: Record<string, unknown>[], kit: boolean, level = 'info'): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level,
      base: { service: 'demo' },
      stream: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
    },
    genReqId: () => 'req-7',
    ...(kit ? { childLoggerFactory: requestLoggerFactory, logController: new AccessLog() } : {}),
  });
  app.get('/logs', async (request) => {
    request.log.info({ order: 'o-1' }, 'order %s placed', 'o-1');
    request.log.warn('stock is low for %s', 'sku-001');
    request.log.error(new Error('payment declined'), 'payment failed');
    request.log.debug({ hidden: true }, 'not at info');
    request.log.child({ step: 'ship' }).info('shipped');
    return { ok: true };
  });
  app.get('/ok', async () => ({ ok: true }));
  app.get('/quiet', { logLevel: 'error' }, async (request) => {
    request.log.info('not at error');
    return { ok: true };
  });
  await app.ready();
  return app;
}

const withoutTime = (line: Record<string, unknown>) => {
  const { time: _time, pid: _pid, hostname: _hostname, ...rest } = line;
  return rest;
};

describe('RequestLogger', () => {
  it("writes a handler's lines exactly as a pino child per request would, bindings included", async () => {
    const kitLines: Record<string, unknown>[] = [];
    const childLines: Record<string, unknown>[] = [];
    const [kit, fastify] = [await appLoggingTo(kitLines, true), await appLoggingTo(childLines, false)];
    try {
      await kit.inject({ method: 'GET', url: '/logs' });
      await fastify.inject({ method: 'GET', url: '/logs' });

      const handlerLines = (lines: Record<string, unknown>[]) =>
        lines
          .filter((line) => !['incoming request', 'request completed'].includes(String(line['msg'])))
          .map(withoutTime);
      expect(handlerLines(kitLines)).toEqual(handlerLines(childLines));
      expect(handlerLines(kitLines).map((line) => [line['reqId'], line['msg']])).toEqual([
        ['req-7', 'order o-1 placed'],
        ['req-7', 'stock is low for sku-001'],
        ['req-7', 'payment failed'],
        ['req-7', 'shipped'],
      ]);
    } finally {
      await Promise.all([kit.close(), fastify.close()]);
    }
  });

  it('honours a route log level with a real child', async () => {
    const lines: Record<string, unknown>[] = [];
    const app = await appLoggingTo(lines, true);
    try {
      await app.inject({ method: 'GET', url: '/quiet' });

      expect(lines.map((line) => line['msg'])).not.toContain('not at error');
    } finally {
      await app.close();
    }
  });

  it('reports the level of the service logger and checks levels against it', () => {
    const written: unknown[][] = [];
    const service = {
      level: 'warn',
      isLevelEnabled: (level: string) => ['warn', 'error', 'fatal'].includes(level),
      warn: (...args: unknown[]) => void written.push(args),
      info: (...args: unknown[]) => void written.push(args),
    };
    const logger = new RequestLogger(service as never, { reqId: 'r-1' });

    logger.info({ a: 1 }, 'dropped');
    logger.warn({ a: 2 }, 'kept');

    expect(logger.level).toBe('warn');
    expect(logger.isLevelEnabled('info')).toBe(false);
    expect(written).toEqual([[{ reqId: 'r-1', a: 2 }, 'kept']]);
  });

  it('is what the factory gives unless the route sets a level or serializers', () => {
    const service = { child: jest.fn(() => 'real child') };

    expect(
      requestLoggerFactory.call(null as never, service as never, { reqId: 'r' }, {}, null as never),
    ).toBeInstanceOf(RequestLogger);
    expect(
      requestLoggerFactory.call(null as never, service as never, { reqId: 'r' }, { level: 'error' }, null as never),
    ).toBe('real child');
  });
});

describe('AccessLog', () => {
  it('writes one line per request at info, with the request, the response and the time taken', async () => {
    const lines: Record<string, unknown>[] = [];
    const app = await appLoggingTo(lines, true);
    try {
      await app.inject({ method: 'GET', url: '/ok?x=1' });

      expect(lines.map(withoutTime)).toEqual([
        {
          level: 30,
          service: 'demo',
          reqId: 'req-7',
          req: { method: 'GET', url: '/ok?x=1', host: 'localhost:80', remoteAddress: '127.0.0.1' },
          res: { statusCode: 200 },
          responseTime: expect.any(Number),
          msg: 'request completed',
        },
      ]);
    } finally {
      await app.close();
    }
  });

  it('logs the arrival too at debug', async () => {
    const lines: Record<string, unknown>[] = [];
    const app = await appLoggingTo(lines, true, 'debug');
    try {
      await app.inject({ method: 'GET', url: '/ok' });

      expect(lines.map((line) => line['msg'])).toEqual(['incoming request', 'request completed']);
    } finally {
      await app.close();
    }
  });

  it('writes nothing per request at warn', async () => {
    const lines: Record<string, unknown>[] = [];
    const app = await appLoggingTo(lines, true, 'warn');
    try {
      await app.inject({ method: 'GET', url: '/ok' });

      expect(lines).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
