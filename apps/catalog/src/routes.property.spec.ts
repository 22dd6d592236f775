import { MAX_OFFSET, type ProductPage } from '@gantry/catalog-contract';
import { buildTestService, requestsTo, responseProblems } from '@gantry/service-kit/testing';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { catalog } from './service';

const RUNS = 1000;

describe('catalog under arbitrary input', () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    app = await buildTestService(catalog);
    await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => app.close());

  it(`answers ${RUNS} arbitrary requests below 500, refusals in the error shape, all with the kit's headers`, async () => {
    const surface = {
      prefix: '/catalog',
      paths: ['/products', '/products/:id', '/health', '/ready', '/version'],
      queryKeys: ['category', 'q', 'minPriceCents', 'maxPriceCents', 'inStock', 'ids', 'limit', 'offset'],
    };

    await fc.assert(
      fc.asyncProperty(requestsTo(surface), async (request) => {
        const response = await app.inject(request);
        expect(responseProblems(request, response, app.securityHeaders)).toEqual([]);
      }),
      { numRuns: RUNS },
    );

    expect((await app.inject({ method: 'GET', url: '/catalog/health' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/catalog/ready' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/catalog/products?limit=1' })).json<ProductPage>().total).toBe(27);
  }, 60_000);

  it(`pages with any limit and offset written as digits within bounds, and refuses every other writing (${RUNS} pairs)`, async () => {
    const number = fc.oneof(
      fc.integer({ min: -10, max: MAX_OFFSET + 10 }).map(String),
      fc.constantFrom('1e309', '0x10', '1e1', '+5', '05', '5.0', ' 5', ''),
    );
    await fc.assert(
      fc.asyncProperty(number, number, async (limit, offset) => {
        const response = await app.inject({ method: 'GET', url: `/catalog/products?limit=${limit}&offset=${offset}` });

        const plain = (text: string, min: number, max: number) =>
          /^-?\d+$/.test(text) && Number(text) >= min && Number(text) <= max;
        if (plain(limit, 1, 100) && plain(offset, 0, MAX_OFFSET)) {
          expect(response.statusCode).toBe(200);
          expect(response.json<ProductPage>()).toMatchObject({
            total: 27,
            limit: Number(limit),
            offset: Number(offset),
          });
        } else {
          expect(response.statusCode).toBe(400);
        }
      }),
      { numRuns: RUNS },
    );
  }, 60_000);
});
