import { setTimeout as sleep } from 'node:timers/promises';
// Brings in under-pressure's `isUnderPressure()` decorator type.
import type {} from '@fastify/under-pressure';
import type { FastifyInstance } from 'fastify';
import { demo, listenOnLoopback, send, type SentResponse } from './test-fixture';
import { buildTestService } from './testing';

function blockEventLoop(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // Busy wait: nothing else may run on the event loop meanwhile.
  }
}

/**
 * Keeps the event loop lagging, as a CPU-bound handler would: busy 50 ms, yield for I/O, repeat.
 * One long block is not enough: under-pressure resets its histogram every second, and a reset that
 * lands between the block and the histogram's next tick drops the block from every sample.
 */
function lagEventLoop(): () => void {
  let running = true;
  const spin = (): void => {
    if (!running) return;
    blockEventLoop(50);
    setImmediate(spin);
  };
  spin();
  return () => {
    running = false;
  };
}

describe('security headers', () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    app = await buildTestService(demo);
  });
  afterAll(() => app.close());

  it('sends helmet headers on a normal response', async () => {
    const response = await app.inject({ method: 'GET', url: '/demo/health' });

    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(response.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    expect(response.headers['content-security-policy']).toContain("default-src 'self'");
    expect(response.headers['x-powered-by']).toBeUndefined();
  });

  it('sends helmet headers on error responses too', async () => {
    const notFound = await app.inject({ method: 'GET', url: '/demo/nope' });
    const failed = await app.inject({ method: 'GET', url: '/demo/boom' });

    expect(notFound.headers['x-content-type-options']).toBe('nosniff');
    expect(failed.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('load shedding', () => {
  let app: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    app = await buildTestService(demo, { MAX_EVENT_LOOP_DELAY_MS: '10' });
    base = await listenOnLoopback(app);
  });
  afterAll(() => app.close());

  it('answers 503 with Retry-After and the JSON error shape while the event loop lags', async () => {
    const before = await send(`${base}/demo/health`);
    expect(before.status).toBe(200);

    // under-pressure samples the lag once a second, so the lag lasts until the shed request is
    // answered: the sample that flips the state on, and any sample after it, sees only lag.
    const stopLag = lagEventLoop();
    let response: SentResponse;
    try {
      const deadline = Date.now() + 5000;
      while (!app.isUnderPressure() && Date.now() < deadline) await sleep(20);
      expect(app.isUnderPressure()).toBe(true);

      response = await send(`${base}/demo/health`, { headers: { 'x-request-id': 'shed-1' } });
    } finally {
      stopLag();
    }

    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toBe('10');
    expect(response.headers['x-request-id']).toBe('shed-1');
    expect(JSON.parse(response.body)).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'Service Unavailable',
    });
  }, 15_000);
});
