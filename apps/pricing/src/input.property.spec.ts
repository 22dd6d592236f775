import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Product, ProductPage } from '@gantry/catalog-contract';
import { buildTestService, requestsTo, responseProblems } from '@gantry/service-kit/testing';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { pricing } from './service';

const RUNS = 1000;

// A healthy catalog over real HTTP on loopback: whatever pricing answers is about its own input handling.
const STOCK: Product[] = Array.from({ length: 9 }, (_, i) => ({
  id: `sku-00${i + 1}`,
  name: `Product ${i + 1}`,
  category: 'tools',
  priceCents: (i + 1) * 1000,
  currency: 'EUR',
  inStock: true,
}));

function startCatalog(): Promise<Server> {
  const server = createServer((request, response) => {
    const wanted = new Set(new URL(request.url ?? '/', 'http://catalog').searchParams.getAll('ids'));
    const items = STOCK.filter((product) => wanted.has(product.id));
    const page: ProductPage = { items, total: items.length, limit: 100, offset: 0 };
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(page));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const productId = fc.oneof(
  fc.constantFrom(...STOCK.map((product) => product.id), 'sku-999', 'sku-0001', 'SKU-001', 'sku-1'),
  fc.string({ maxLength: 12 }),
);
const quantity = fc.oneof(
  fc.integer({ min: -2, max: 1002 }),
  fc.double(),
  fc.constantFrom('3', null, true, Number.MAX_VALUE),
);
const quoteBodies = fc.record(
  {
    items: fc.array(fc.record({ productId, quantity }, { requiredKeys: [] }), { maxLength: 60 }),
    coupon: fc.string(),
  },
  { requiredKeys: ['items'] },
);

describe('pricing under arbitrary input', () => {
  let catalog: Server;
  let app: FastifyInstance;

  beforeAll(async () => {
    catalog = await startCatalog();
    app = await buildTestService(pricing, {
      CATALOG_URL: `http://127.0.0.1:${(catalog.address() as AddressInfo).port}`,
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app.close();
    await new Promise((resolve) => catalog.close(resolve));
  });

  it(`answers ${RUNS} arbitrary requests below 500, refusals in the error shape, all with the kit's headers`, async () => {
    const surface = {
      prefix: '/pricing',
      paths: ['/quotes', '/quotes', '/health', '/ready', '/version'],
      queryKeys: ['items', 'limit'],
      bodies: quoteBodies,
    };

    await fc.assert(
      fc.asyncProperty(requestsTo(surface), async (request) => {
        const response = await app.inject(request);
        expect(responseProblems(request, response, app.securityHeaders)).toEqual([]);
      }),
      { numRuns: RUNS },
    );

    expect((await app.inject({ method: 'GET', url: '/pricing/health' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/pricing/ready' })).statusCode).toBe(200);
    const quote = await app.inject({
      method: 'POST',
      url: '/pricing/quotes',
      payload: { items: [{ productId: 'sku-002', quantity: 2 }] },
    });
    expect(quote.statusCode).toBe(200);
    expect(quote.json()).toMatchObject({ totalCents: 4000 });
  }, 60_000);
});
