import { createServer } from 'node:net';
import { buildTestService } from '@gantry/service-kit/testing';
import type { FastifyInstance } from 'fastify';
import { pricing } from './service';
import { behave, MisbehavingCatalog, type CatalogRequest } from './testing/misbehaving-catalog';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const quoteOf = (...items: Array<[string, unknown]>) => ({
  items: items.map(([productId, quantity]) => ({ productId, quantity })),
});

describe('pricing routes', () => {
  let catalog: MisbehavingCatalog;
  let app: FastifyInstance;
  /** What reached the catalog in this test. */
  let calls: CatalogRequest[];
  const extraApps: FastifyInstance[] = [];

  // Load shedding is off: on a busy CI machine a slow module load could otherwise turn a test into a 503.
  const buildPricing = (catalogBaseUrl: string, env: Record<string, string> = {}) =>
    buildTestService(pricing, {
      CATALOG_URL: catalogBaseUrl,
      CATALOG_TIMEOUT_MS: '200',
      CATALOG_RETRIES: '1',
      MAX_EVENT_LOOP_DELAY_MS: '0',
      ...env,
    });

  beforeAll(async () => {
    catalog = await MisbehavingCatalog.start();
    calls = catalog.requests;
    // A roomy timeout for everything but the timeout tests, so a busy machine cannot turn a
    // healthy catalog call into a 504; those tests build their own 200 ms instance.
    app = await buildPricing(catalog.url, { CATALOG_TIMEOUT_MS: '2000' });
    // The first fetch in a process loads undici and opens the connection; do it before timing anything.
    await postQuote(quoteOf(['sku-001', 1]));
  });
  beforeEach(() => catalog.forget());
  afterEach(async () => {
    await Promise.all(extraApps.splice(0).map((extra) => extra.close()));
  });
  afterAll(async () => {
    await app.close();
    await catalog.close();
  });

  const postQuote = (payload: unknown, headers: Record<string, string> = {}, on: FastifyInstance = app) =>
    on.inject({ method: 'POST', url: '/pricing/quotes', payload: payload as object, headers });

  describe('a priced quote', () => {
    it('prices every line from the catalog, with the volume discount', async () => {
      const response = await postQuote(quoteOf(['sku-001', 10], ['sku-023', 3]));

      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        quoteId: expect.stringMatching(UUID),
        currency: 'EUR',
        lines: [
          {
            productId: 'sku-001',
            name: 'Claw hammer',
            quantity: 10,
            unitPriceCents: 1899,
            discountCents: 949,
            lineTotalCents: 18041,
          },
          {
            productId: 'sku-023',
            name: 'Notebook A5',
            quantity: 3,
            unitPriceCents: 450,
            discountCents: 0,
            lineTotalCents: 1350,
          },
        ],
        subtotalCents: 20340,
        discountCents: 949,
        totalCents: 19391,
        createdAt: expect.stringMatching(ISO_TIME),
      });
    });

    it('stamps the quote with the time it was made', async () => {
      const before = Date.now();
      const { createdAt } = (await postQuote(quoteOf(['sku-002', 1]))).json<{ createdAt: string }>();

      expect(Date.parse(createdAt)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(createdAt)).toBeLessThanOrEqual(Date.now());
    });

    it('asks the catalog once for every product of the quote', async () => {
      await postQuote(quoteOf(['sku-002', 1], ['sku-001', 2]));

      expect(calls).toHaveLength(1);
      expect(calls[0].url).toBe('/catalog/products?ids=sku-002&ids=sku-001&limit=100');
    });

    it("forwards the caller's x-request-id to the catalog and echoes it", async () => {
      const response = await postQuote(quoteOf(['sku-001', 1]), { 'x-request-id': 'quote-trace-42' });

      expect(response.statusCode).toBe(200);
      expect(calls.map((call) => call.requestId)).toEqual(['quote-trace-42']);
      expect(response.headers['x-request-id']).toBe('quote-trace-42');
    });

    it('forwards its own request id to the catalog when the caller sent none', async () => {
      const response = await postQuote(quoteOf(['sku-001', 1]));

      expect(response.headers['x-request-id']).toMatch(UUID);
      expect(calls.map((call) => call.requestId)).toEqual([response.headers['x-request-id']]);
    });
  });

  describe('requests it rejects', () => {
    it('answers 422 for a product the catalog does not know', async () => {
      const response = await postQuote(quoteOf(['sku-001', 1], ['sku-999', 1]));

      expect(response.statusCode).toBe(422);
      expect(response.json()).toEqual({
        statusCode: 422,
        error: 'Unprocessable Entity',
        message: 'unknown product: sku-999',
      });
    });

    it('names every unknown product in one 422', async () => {
      const response = await postQuote(quoteOf(['sku-998', 1], ['sku-001', 1], ['sku-999', 1]));

      expect(response.statusCode).toBe(422);
      expect(response.json()).toEqual({
        statusCode: 422,
        error: 'Unprocessable Entity',
        message: 'unknown products: sku-998, sku-999',
      });
    });

    it('rejects a product listed twice with 400, without asking the catalog', async () => {
      const response = await postQuote(quoteOf(['sku-001', 1], ['sku-002', 1], ['sku-001', 4]));

      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: 'body/items lists product sku-001 more than once; combine the quantities',
      });
      expect(calls).toEqual([]);
    });

    it('rejects malformed JSON with 400', async () => {
      const response = await postQuote('{"items": [', { 'content-type': 'application/json' });

      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: "Body is not valid JSON but content-type is set to 'application/json'",
      });
    });

    it.each<[string, unknown, string]>([
      ['a body without items', {}, "body must have required property 'items'"],
      ['an empty item list', { items: [] }, 'body/items must NOT have fewer than 1 items'],
      ['items that are not a list', { items: { productId: 'sku-001', quantity: 1 } }, 'body/items must be array'],
      ['a quantity of 0', quoteOf(['sku-001', 0]), 'body/items/0/quantity must be >= 1'],
      ['a negative quantity', quoteOf(['sku-001', -2]), 'body/items/0/quantity must be >= 1'],
      ['a quantity of 1001', quoteOf(['sku-001', 1001]), 'body/items/0/quantity must be <= 1000'],
      ['a fractional quantity', quoteOf(['sku-001', 2.5]), 'body/items/0/quantity must be integer'],
      ['a quantity sent as the string "3"', quoteOf(['sku-001', '3']), 'body/items/0/quantity must be integer'],
      ['a quantity sent as true', quoteOf(['sku-002', 1], ['sku-001', true]), 'body/items/1/quantity must be integer'],
      ['a quantity sent as null', quoteOf(['sku-001', null]), 'body/items/0/quantity must be integer'],
      [
        'a missing quantity',
        { items: [{ productId: 'sku-001' }] },
        "body/items/0 must have required property 'quantity'",
      ],
      [
        'a malformed product id',
        quoteOf(['hammer', 1]),
        'body/items/0/productId must match pattern "^sku-[0-9]{3,6}$"',
      ],
      [
        'an unknown field on an item',
        { items: [{ productId: 'sku-001', quantity: 1, note: 'x' }] },
        'body/items/0 must NOT have additional properties',
      ],
      [
        'an unknown top-level field',
        { ...quoteOf(['sku-001', 1]), coupon: 'FREE' },
        'body must NOT have additional properties',
      ],
    ])('rejects %s with 400', async (_, payload, message) => {
      const response = await postQuote(payload);

      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({ statusCode: 400, error: 'Bad Request', message });
      expect(calls).toEqual([]);
    });

    it('rejects more than 50 items with 400', async () => {
      const items = Array.from({ length: 51 }, (_, i): [string, number] => [`sku-${String(i + 100)}`, 1]);
      const response = await postQuote(quoteOf(...items));

      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: 'body/items must NOT have more than 50 items',
      });
    });

    it('accepts exactly 50 items', async () => {
      const items = Array.from({ length: 50 }, (_, i): [string, number] => [`sku-${String(i + 100)}`, 1]);
      const response = await postQuote(quoteOf(...items));

      // none of them exists, so the request got past validation to the catalog
      expect(response.statusCode).toBe(422);
    });

    it('rejects a body over the 1 MiB limit with 413', async () => {
      const payload = JSON.stringify({ ...quoteOf(['sku-001', 1]), padding: 'x'.repeat(1024 * 1024) });
      const response = await postQuote(payload, { 'content-type': 'application/json' });

      expect(response.statusCode).toBe(413);
      expect(response.json()).toEqual({
        statusCode: 413,
        error: 'Payload Too Large',
        message: 'Request body is too large',
      });
      expect(calls).toEqual([]);
    });
  });

  describe('when the catalog misbehaves', () => {
    // Every other fault, and the retry, budget and breaker figures, are in catalog-client.spec.ts.
    it('answers 502 naming ECONNREFUSED when nothing listens at the catalog URL', async () => {
      const down = await buildPricing(`http://127.0.0.1:${await closedPort()}`);
      extraApps.push(down);

      const response = await postQuote(quoteOf(['sku-001', 1]), {}, down);

      expect(response.statusCode).toBe(502);
      expect(response.json()).toEqual({
        statusCode: 502,
        error: 'Bad Gateway',
        message: 'catalog is unavailable: ECONNREFUSED (2 attempts)',
      });
    });

    it('says "1 attempt" when retries are off', async () => {
      const down = await buildPricing(`http://127.0.0.1:${await closedPort()}`, { CATALOG_RETRIES: '0' });
      extraApps.push(down);

      const response = await postQuote(quoteOf(['sku-001', 1]), {}, down);

      expect(response.json().message).toBe('catalog is unavailable: ECONNREFUSED (1 attempt)');
    });

    it('answers 504 well before 2 s when the catalog is slower than the timeout', async () => {
      const impatient = await buildPricing(catalog.url);
      extraApps.push(impatient);
      catalog.behaviour = behave.slow(5_000);
      const started = Date.now();

      const response = await postQuote(quoteOf(['sku-001', 1]), {}, impatient);

      expect(response.statusCode).toBe(504);
      expect(response.json()).toEqual({
        statusCode: 504,
        error: 'Gateway Timeout',
        message: 'catalog did not answer within 200 ms (2 attempts)',
      });
      expect(calls).toHaveLength(2);
      // two 200 ms attempts and a jittered backoff; without the timeout one attempt alone takes 5 s.
      // The bound is loose on purpose: it proves the timeout fired, on a loaded CI machine too.
      expect(Date.now() - started).toBeLessThan(4_000);
    });

    it('answers 504 when the catalog sends headers but stalls the body', async () => {
      const impatient = await buildPricing(catalog.url);
      extraApps.push(impatient);
      catalog.behaviour = behave.stalledBody();

      const response = await postQuote(quoteOf(['sku-001', 1]), {}, impatient);

      expect(response.statusCode).toBe(504);
      expect(response.json().message).toBe('catalog did not answer within 200 ms (2 attempts)');
    });

    it('answers 502 without retrying when the catalog rejects the lookup', async () => {
      catalog.behaviour = behave.status(400);

      const response = await postQuote(quoteOf(['sku-002', 1]));

      expect(response.statusCode).toBe(502);
      expect(response.json()).toEqual({
        statusCode: 502,
        error: 'Bad Gateway',
        message: 'catalog rejected the lookup with 400',
      });
      expect(calls).toHaveLength(1);
    });

    it('answers 502 when the catalog answers a body that breaks the contract', async () => {
      catalog.behaviour = behave.products(({ id, name }) => ({ id, name, price: 18.99 }));

      const response = await postQuote(quoteOf(['sku-001', 1]));

      expect(response.statusCode).toBe(502);
      expect(response.json()).toEqual({
        statusCode: 502,
        error: 'Bad Gateway',
        message:
          'catalog answered with a body that breaks the contract (/items/0/category: Expected required property)',
      });
      expect(calls).toHaveLength(1);
    });

    it('answers 502 when the catalog answers with something that is not JSON', async () => {
      catalog.behaviour = (_request, response) => {
        response.writeHead(200, { 'content-type': 'text/html' });
        response.end('<html>maintenance</html>');
      };

      const response = await postQuote(quoteOf(['sku-001', 1]));

      expect(response.statusCode).toBe(502);
      expect(response.json()).toEqual({
        statusCode: 502,
        error: 'Bad Gateway',
        message: 'catalog answered with a body that is not JSON',
      });
    });
  });
});
