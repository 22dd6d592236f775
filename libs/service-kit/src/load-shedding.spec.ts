import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { type FastifyInstance } from 'fastify';
import { loadSheddingPlugin } from './load-shedding';
import { demo, listenOnLoopback, send, type SentResponse } from './test-fixture';
import { buildTestService } from './testing';

function blockEventLoop(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // Busy wait: nothing else may run on the event loop meanwhile.
  }
}

/**
 * Keeps the event loop lagging, as a CPU-bound handler would: busy 800 ms, yield for I/O, repeat. The limits
 * in these tests sit well above what a busy CI machine's scheduler adds to a timer, so only this lag counts.
 */
function lagEventLoop(): () => void {
  let running = true;
  const spin = (): void => {
    if (!running) return;
    blockEventLoop(800);
    setImmediate(spin);
  };
  spin();
  return () => {
    running = false;
  };
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await sleep(10);
  return check();
}

describe('load shedding on the demo service', () => {
  let app: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    app = await buildTestService(demo, { MAX_EVENT_LOOP_DELAY_MS: '300' });
    base = await listenOnLoopback(app);
  });
  afterAll(() => app.close());

  it('sheds routes with 503, keeps liveness at 200, answers readiness 503 in the error shape, then recovers', async () => {
    // A machine busy with other suites can starve this process past the limit at first: start from calm.
    expect(await waitFor(() => !app.overloaded(), 10_000)).toBe(true);
    expect((await send(`${base}/demo/version`)).status).toBe(200);

    // The lag lasts until every answer is in: each request is answered in a gap between two busy spells.
    const stopLag = lagEventLoop();
    let shed: SentResponse;
    let health: SentResponse;
    let ready: SentResponse;
    try {
      expect(await waitFor(() => app.overloaded(), 5000)).toBe(true);
      [shed, health, ready] = await Promise.all([
        send(`${base}/demo/version`, { headers: { 'x-request-id': 'shed-1' } }),
        send(`${base}/demo/health`),
        send(`${base}/demo/ready`),
      ]);
    } finally {
      stopLag();
    }

    expect(shed.status).toBe(503);
    expect(shed.headers['retry-after']).toBe('10');
    expect(shed.headers['x-request-id']).toBe('shed-1');
    expect(shed.headers['x-content-type-options']).toBe('nosniff');
    expect(shed.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(shed.body)).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'Service Unavailable',
    });

    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ status: 'ok' });

    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body)).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'not ready: overloaded',
    });

    expect(await waitFor(() => !app.overloaded(), 3000)).toBe(true);
    expect((await send(`${base}/demo/version`)).status).toBe(200);
    expect((await send(`${base}/demo/ready`)).status).toBe(200);
  }, 15_000);
});

describe('loadSheddingPlugin', () => {
  it('does not sample or shed when the limit is 0', async () => {
    const app = Fastify({ logger: false });
    await app.register(loadSheddingPlugin, { maxEventLoopDelayMs: 0, sampleIntervalMs: 10 });
    app.get('/work', async () => ({ done: true }));
    try {
      blockEventLoop(100);
      await sleep(30);

      expect(app.overloaded()).toBe(false);
      expect((await app.inject({ method: 'GET', url: '/work' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('turns overloaded after one sample lags beyond the limit and stays so for the hold time', async () => {
    const app = Fastify({ logger: false });
    await app.register(loadSheddingPlugin, { maxEventLoopDelayMs: 150, sampleIntervalMs: 20, holdMs: 300 });
    app.get('/work', async () => ({ done: true }));
    app.get('/exempt', { config: { loadShedding: false } }, async () => ({ done: true }));
    try {
      await app.ready();
      blockEventLoop(400);
      expect(await waitFor(() => app.overloaded(), 1000)).toBe(true);

      expect((await app.inject({ method: 'GET', url: '/work' })).statusCode).toBe(503);
      expect((await app.inject({ method: 'GET', url: '/exempt' })).statusCode).toBe(200);

      expect(await waitFor(() => !app.overloaded(), 2000)).toBe(true);
      expect((await app.inject({ method: 'GET', url: '/work' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('ignores lag within the limit', async () => {
    const app = Fastify({ logger: false });
    await app.register(loadSheddingPlugin, { maxEventLoopDelayMs: 1000, sampleIntervalMs: 100 });
    try {
      await app.ready();
      await sleep(150);
      blockEventLoop(300);
      await sleep(250);

      expect(app.overloaded()).toBe(false);
    } finally {
      await app.close();
    }
  });
});
