import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildTestService } from '@gantry/service-kit/testing';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { pricing } from './service';
import { behave, MisbehavingCatalog, type Behaviour } from './testing/misbehaving-catalog';

const QUOTES = 50;
const CONCURRENCY = 10;

describe('pricing against a misbehaving catalog', () => {
  let catalog: MisbehavingCatalog;
  // Calls to catalog per quote under each sustained fault, printed at the end for the record.
  const amplification: Array<[string, number]> = [];
  const apps: FastifyInstance[] = [];

  beforeAll(async () => {
    catalog = await MisbehavingCatalog.start();
    // The first fetch in a process loads undici; do it before any timeout is running.
    await (await fetch(`${catalog.url}/catalog/products`)).arrayBuffer();
  });
  beforeEach(() => catalog.forget());
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });
  afterAll(() => {
    if (amplification.length > 0)
      console.log(amplification.map(([fault, ratio]) => `${ratio.toFixed(2)} calls/quote: ${fault}`).join('\n'));
  });
  afterAll(async () => {
    await catalog.close();
  });

  /** A fresh pricing (its own breaker and retry budget) with short timings; load shedding is off. */
  async function pricingWith(env: Record<string, string> = {}): Promise<FastifyInstance> {
    const app = await buildTestService(pricing, {
      CATALOG_URL: catalog.url,
      CATALOG_TIMEOUT_MS: '1000',
      CATALOG_DEADLINE_MS: '3000',
      CATALOG_RETRIES: '2',
      CATALOG_CONCURRENCY: String(CONCURRENCY),
      ...env,
    });
    apps.push(app);
    return app;
  }

  const quote = (app: FastifyInstance, productId = 'sku-001') =>
    app.inject({ method: 'POST', url: '/pricing/quotes', payload: { items: [{ productId, quantity: 1 }] } });

  function expectKitError(response: LightMyRequestResponse, statusCode: number): void {
    expect(response.statusCode).toBe(statusCode);
    const body = response.json<{ statusCode: number; error: string; message: string }>();
    expect(body).toEqual({ statusCode, error: expect.any(String), message: expect.any(String) });
    // Never the catalog's address, and never what catalog itself said.
    expect(body.message).not.toMatch(/127\.0\.0\.1|localhost|:\d{2,5}\b|internal detail/);
  }

  // The latency faults get a 200 ms attempt timeout; the others keep 1 s, so a busy machine cannot turn them into 504s.
  const SLOW = { CATALOG_TIMEOUT_MS: '200' };

  describe.each<[string, Behaviour, number, Record<string, string>?]>([
    ['always answers 502', behave.status(502), 502],
    ['always answers 502 with a 1 MiB error page', behave.status(502, {}, 1024 * 1024), 502],
    ['answers slower than the per-attempt timeout', behave.slow(5_000), 504, SLOW],
    ['resets every connection', behave.reset(), 502],
    ['stalls every body after the headers', behave.stalledBody(), 504, SLOW],
    ['cuts every body short', behave.partialBody(), 502],
    ['sheds load with 503 and Retry-After: 0', behave.status(503, { 'retry-after': '0' }), 503],
    ['sheds load with 429 and Retry-After: 0', behave.status(429, { 'retry-after': '0' }), 503],
    ['sheds load with 503 and no Retry-After', behave.status(503), 503],
  ])('under sustained failure, when catalog %s', (fault, behaviour, status, env = {}) => {
    it(`answers ${status} to ${QUOTES} quotes with at most 1.2 calls to catalog per quote and no socket left open`, async () => {
      // The breaker is kept shut so the retry budget alone has to hold the line.
      const app = await pricingWith({ CATALOG_BREAKER_FAILURES: '1000', ...env });
      catalog.behaviour = behaviour;
      const started = Date.now();

      const responses = await Promise.all(Array.from({ length: QUOTES }, () => quote(app)));

      for (const response of responses) expectKitError(response, status);
      if (status === 503) expect(responses.every((response) => response.headers['retry-after'] === '1')).toBe(true);
      amplification.push([fault, catalog.requests.length / QUOTES]);
      expect(catalog.requests.length).toBeGreaterThanOrEqual(QUOTES);
      expect(catalog.requests.length).toBeLessThanOrEqual(1.2 * QUOTES);
      expect(Date.now() - started).toBeLessThan(3_000);
      // Node's fetch pool frees a socket a moment after its body is read, and opens a spare for each one it
      // cuts on a timeout: with at most CONCURRENCY calls in flight it never holds more than twice that.
      expect(catalog.peakSockets).toBeLessThanOrEqual(2 * CONCURRENCY);
      // None is stuck mid-answer: once catalog drops the idle ones, none is left.
      await catalog.dropConnections();
      expect(catalog.openSockets).toBe(0);
    });
  });

  it('with the breaker on, stops calling a catalog that always answers 502 after 5 failures', async () => {
    const app = await pricingWith({ CATALOG_BREAKER_COOLDOWN_MS: '60000' });
    catalog.behaviour = behave.status(502);

    const responses = await Promise.all(Array.from({ length: QUOTES }, () => quote(app)));

    // The 10 calls under way when it opened, plus the 4 that got a slot before the 5th failure came back.
    expect(catalog.requests.length).toBeLessThanOrEqual(CONCURRENCY + 5 - 1);
    const open = responses.filter((response) => response.statusCode === 503);
    expect(open.length).toBeGreaterThanOrEqual(QUOTES - CONCURRENCY);
    expect(open[0].headers['retry-after']).toBe('60');
    expect(open[0].json().message).toBe(
      'catalog is failing, so pricing is not calling it for the next 60 s (circuit open)',
    );
  });

  describe('the circuit breaker', () => {
    it('opens after the configured failures, fails fast with 503 and Retry-After, and closes after a good probe', async () => {
      const app = await pricingWith({
        CATALOG_RETRIES: '0',
        CATALOG_BREAKER_FAILURES: '3',
        CATALOG_BREAKER_COOLDOWN_MS: '300',
      });
      catalog.behaviour = behave.status(502);
      for (let i = 0; i < 3; i += 1) expectKitError(await quote(app), 502);
      expect(catalog.requests).toHaveLength(3);

      const started = Date.now();
      const rejected = await quote(app);

      expectKitError(rejected, 503);
      expect(rejected.headers['retry-after']).toBe('1');
      expect(rejected.json().message).toBe(
        'catalog is failing, so pricing is not calling it for the next 1 s (circuit open)',
      );
      expect(Date.now() - started).toBeLessThan(250);
      expect(catalog.requests).toHaveLength(3);

      // Catalog recovers; once the cooldown is over one probe goes through and closes the circuit.
      catalog.behaviour = behave.products();
      await new Promise((resolve) => setTimeout(resolve, 350));
      const probe = await quote(app);

      expect(probe.statusCode).toBe(200);
      expect(catalog.requests).toHaveLength(4);
      expect((await quote(app)).statusCode).toBe(200);
      expect(catalog.requests).toHaveLength(5);
    });

    it('opens again when the half-open probe fails', async () => {
      const app = await pricingWith({
        CATALOG_RETRIES: '0',
        CATALOG_BREAKER_FAILURES: '1',
        CATALOG_BREAKER_COOLDOWN_MS: '200',
      });
      catalog.behaviour = behave.status(502);
      expectKitError(await quote(app), 502);
      await new Promise((resolve) => setTimeout(resolve, 250));

      expectKitError(await quote(app), 502);
      expectKitError(await quote(app), 503);
      expect(catalog.requests).toHaveLength(2);
    });

    it('does not count a 4xx for our own lookup as a catalog failure', async () => {
      const app = await pricingWith({ CATALOG_BREAKER_FAILURES: '2' });
      catalog.behaviour = behave.status(400);
      for (let i = 0; i < 4; i += 1) expectKitError(await quote(app), 502);

      expect(catalog.requests).toHaveLength(4);
    });
  });

  describe('Retry-After on 503 and 429', () => {
    it('waits for a Retry-After that fits in the deadline, then prices the quote', async () => {
      const app = await pricingWith({ CATALOG_DEADLINE_MS: '3000' });
      catalog.behaviour = (request, response, closed) => {
        const shed = behave.status(503, { 'retry-after': '1' });
        return (catalog.requests.length === 1 ? shed : behave.products())(request, response, closed);
      };
      const started = Date.now();

      const response = await quote(app);

      expect(response.statusCode).toBe(200);
      expect(catalog.requests).toHaveLength(2);
      expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    });

    it('fails fast with 503 and passes Retry-After on when it does not fit in the deadline', async () => {
      const app = await pricingWith({ CATALOG_DEADLINE_MS: '3000' });
      catalog.behaviour = behave.status(429, { 'retry-after': '30' });
      const started = Date.now();

      const response = await quote(app);

      expectKitError(response, 503);
      expect(response.headers['retry-after']).toBe('30');
      expect(response.json().message).toBe('catalog is shedding load (it answered 429); retry after 30 s');
      expect(catalog.requests).toHaveLength(1);
      expect(Date.now() - started).toBeLessThan(500);
    });

    it('reads Retry-After given as an HTTP date', async () => {
      const app = await pricingWith({ CATALOG_DEADLINE_MS: '3000' });
      const at = new Date(Date.now() + 20_000).toUTCString();
      catalog.behaviour = behave.status(503, { 'retry-after': at });

      const response = await quote(app);

      expectKitError(response, 503);
      expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(18);
      expect(Number(response.headers['retry-after'])).toBeLessThanOrEqual(20);
      expect(catalog.requests).toHaveLength(1);
    });
  });

  describe('retries', () => {
    it('retries a 502 and prices the quote from the second answer, forwarding the request id each time', async () => {
      const app = await pricingWith();
      catalog.behaviour = (request, response, closed) =>
        (catalog.requests.length === 1 ? behave.status(502) : behave.products())(request, response, closed);

      const response = await app.inject({
        method: 'POST',
        url: '/pricing/quotes',
        payload: { items: [{ productId: 'sku-002', quantity: 1 }] },
        headers: { 'x-request-id': 'retry-1' },
      });

      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ totalCents: 8950 });
      expect(catalog.requests.map((call) => call.requestId)).toEqual(['retry-1', 'retry-1']);
    });

    it.each([500, 501, 400, 404])('does not retry a %i', async (status) => {
      const app = await pricingWith();
      catalog.behaviour = behave.status(status);

      const response = await quote(app);

      expectKitError(response, 502);
      expect(catalog.requests).toHaveLength(1);
    });

    it('gives up on the deadline rather than start an attempt that cannot finish in it', async () => {
      const app = await pricingWith({ CATALOG_TIMEOUT_MS: '150', CATALOG_DEADLINE_MS: '200', CATALOG_RETRIES: '5' });
      catalog.behaviour = behave.slow(5_000);
      const started = Date.now();

      const response = await quote(app);

      expectKitError(response, 504);
      expect(Date.now() - started).toBeLessThan(600);
      expect(catalog.requests.length).toBeLessThanOrEqual(2);
    });
  });

  describe('the tolerant reader', () => {
    it('ignores a field catalog added, so old and new catalog tasks can serve side by side', async () => {
      const app = await pricingWith();
      catalog.behaviour = behave.products((product) => ({ ...product, weightGrams: 450, tags: ['new'] }));

      const response = await quote(app, 'sku-002');

      expect(response.statusCode).toBe(200);
      expect(response.json().lines).toEqual([
        {
          productId: 'sku-002',
          name: 'Cordless drill',
          quantity: 1,
          unitPriceCents: 8950,
          discountCents: 0,
          lineTotalCents: 8950,
        },
      ]);
    });

    it('still rejects a known field of the wrong type with 502, without retrying', async () => {
      const app = await pricingWith();
      catalog.behaviour = behave.products((product) => ({ ...product, priceCents: '18.99', weightGrams: 450 }));

      const response = await quote(app);

      expectKitError(response, 502);
      expect(response.json().message).toBe(
        'catalog answered with a body that breaks the contract (/items/0/priceCents: Expected integer)',
      );
      expect(catalog.requests).toHaveLength(1);
    });

    it('still rejects a product that lacks a known field', async () => {
      const app = await pricingWith();
      catalog.behaviour = behave.products(({ id, name, category, currency, inStock }) => ({
        id,
        name,
        category,
        currency,
        inStock,
      }));

      const response = await quote(app);

      expectKitError(response, 502);
      expect(response.json().message).toMatch(/^catalog answered with a body that breaks the contract \(/);
    });
  });

  describe('a caller that hangs up', () => {
    it('cancels the call to catalog: catalog sees its request closed, and nothing is retried', async () => {
      const app = await pricingWith({ CATALOG_TIMEOUT_MS: '10000', CATALOG_DEADLINE_MS: '20000' });
      await app.listen({ host: '127.0.0.1', port: 0 });
      catalog.behaviour = behave.slow(10_000);
      const { port } = app.server.address() as AddressInfo;
      const inbound = httpRequest({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/pricing/quotes',
        headers: { 'content-type': 'application/json' },
      });
      inbound.on('error', () => undefined);
      inbound.end(JSON.stringify({ items: [{ productId: 'sku-001', quantity: 1 }] }));
      await catalog.waitFor('the call to catalog', () => catalog.requests.length === 1);
      const hungUp = Date.now();

      inbound.destroy();

      await catalog.waitFor('catalog to see the request closed', () => catalog.requests[0].closedEarly, 1_000);
      expect(Date.now() - hungUp).toBeLessThan(1_000);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(catalog.requests).toHaveLength(1);
    });
  });

  it('queues beyond its concurrency and turns away what the queue cannot hold with 503', async () => {
    const app = await pricingWith({ CATALOG_CONCURRENCY: '1', CATALOG_TIMEOUT_MS: '2000' });
    catalog.behaviour = behave.slow(100);

    const responses = await Promise.all(Array.from({ length: 15 }, () => quote(app)));
    const statuses = responses.map((response) => response.statusCode);

    // One in flight and ten waiting are priced; the rest are told to come back.
    expect(statuses.filter((status) => status === 200)).toHaveLength(11);
    const turnedAway = responses.filter((response) => response.statusCode === 503);
    expect(turnedAway).toHaveLength(4);
    expect(turnedAway[0].headers['retry-after']).toBe('1');
    expect(turnedAway[0].json().message).toBe('too many catalog lookups are already in flight');
    expect(catalog.peakSockets).toBeLessThanOrEqual(2);
  });
});
