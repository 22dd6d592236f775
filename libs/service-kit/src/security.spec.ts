import { setTimeout as sleep } from 'node:timers/promises';
// Brings in under-pressure's `isUnderPressure()` decorator type.
import type {} from '@fastify/under-pressure';
import type { FastifyInstance } from 'fastify';
import { demo, listenOnLoopback, send } from './test-fixture';
import { buildTestService } from './testing';

function blockEventLoop(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // Busy wait: nothing else may run on the event loop meanwhile.
  }
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

    // under-pressure samples the lag once a second; a 1.5 s block pushes the mean over 10 ms in the
    // sample that sees it, whichever point of the interval it lands in, so wait (bounded) for that sample.
    blockEventLoop(1500);
    const deadline = Date.now() + 2500;
    while (!app.isUnderPressure() && Date.now() < deadline) await sleep(20);
    expect(app.isUnderPressure()).toBe(true);

    const response = await send(`${base}/demo/health`, { headers: { 'x-request-id': 'shed-1' } });

    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toBe('10');
    expect(response.headers['x-request-id']).toBe('shed-1');
    expect(JSON.parse(response.body)).toEqual({ statusCode: 503, error: 'Service Unavailable', message: 'Service Unavailable' });
  }, 10_000);
});
