import type { Product, ProductPage } from '@gantry/catalog-contract';
import { buildTestService } from '@gantry/service-kit/testing';
import type { FastifyInstance } from 'fastify';
import { catalog } from './service';

describe('catalog routes', () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    app = await buildTestService(catalog);
  });
  afterAll(() => app.close());

  async function list(query: string): Promise<ProductPage> {
    const response = await app.inject({ method: 'GET', url: `/catalog/products${query}` });
    expect(response.statusCode).toBe(200);
    return response.json<ProductPage>();
  }

  const ids = (page: ProductPage) => page.items.map((product) => product.id);
  const skus = (...numbers: number[]) => numbers.map((n) => `sku-${String(n).padStart(3, '0')}`);
  const range = (from: number, to: number) => skus(...Array.from({ length: to - from + 1 }, (_, i) => from + i));

  describe('GET /catalog/products', () => {
    it('lists the first 20 of 27 products by default', async () => {
      const response = await app.inject({ method: 'GET', url: '/catalog/products' });

      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
      const page = response.json<ProductPage>();
      expect(page).toMatchObject({ total: 27, limit: 20, offset: 0 });
      expect(ids(page)).toEqual(range(1, 20));
      expect(page.items[0]).toEqual({
        id: 'sku-001',
        name: 'Claw hammer',
        category: 'tools',
        priceCents: 1899,
        currency: 'EUR',
        inStock: true,
      });
    });

    it('pages with limit and offset', async () => {
      const page = await list('?limit=5&offset=10');

      expect(page).toMatchObject({ total: 27, limit: 5, offset: 10 });
      expect(ids(page)).toEqual(range(11, 15));
    });

    it('returns the short last page', async () => {
      const page = await list('?limit=5&offset=25');

      expect(page).toMatchObject({ total: 27, limit: 5, offset: 25 });
      expect(ids(page)).toEqual(['sku-026', 'sku-027']);
    });

    it('returns no items but the full total for an offset beyond the end', async () => {
      expect(await list('?offset=30')).toEqual({ items: [], total: 27, limit: 20, offset: 30 });
    });

    it('accepts the largest limit and returns every product', async () => {
      const page = await list('?limit=100');

      expect(page).toMatchObject({ total: 27, limit: 100, offset: 0 });
      expect(ids(page)).toEqual(range(1, 27));
    });

    it('filters by category', async () => {
      const page = await list('?category=garden');

      expect(page.total).toBe(6);
      expect(ids(page)).toEqual(range(9, 14));
      expect(page.items.every((product) => product.category === 'garden')).toBe(true);
    });

    it('finds nothing in an unknown category', async () => {
      expect(await list('?category=toys')).toEqual({ items: [], total: 0, limit: 20, offset: 0 });
    });

    it('filters to products in stock', async () => {
      const page = await list('?inStock=true&limit=100');

      expect(page.total).toBe(24);
      expect(ids(page)).not.toContain('sku-007');
      expect(page.items.every((product) => product.inStock)).toBe(true);
    });

    it('filters to products out of stock', async () => {
      const page = await list('?inStock=false');

      expect(page.total).toBe(3);
      expect(ids(page)).toEqual(['sku-007', 'sku-014', 'sku-021']);
    });

    it('searches names case-insensitively', async () => {
      const page = await list('?q=KNIFE');

      expect(page.items.map((product) => product.name)).toEqual(['Utility knife', 'Chef knife']);
      expect(page.total).toBe(2);
      expect(ids(await list('?q=claw'))).toEqual(['sku-001']);
      expect(ids(await list('?q=cAsT-IrOn'))).toEqual(['sku-016']);
    });

    it('measures a search by its NFC form: 80 accented letters written decomposed are 160 code points but fit', async () => {
      const decomposed = 'e\u0301'.repeat(80);

      expect(await list(`?q=${encodeURIComponent(decomposed)}`)).toEqual({ items: [], total: 0, limit: 20, offset: 0 });
    });

    it('searches within names, not only at their start', async () => {
      expect(ids(await list('?q=drill'))).toEqual(['sku-002']);
    });

    it('filters by a price range with inclusive bounds', async () => {
      expect(ids(await list('?minPriceCents=2450&maxPriceCents=2490'))).toEqual(['sku-003', 'sku-019']);
    });

    it('filters by a minimum price alone', async () => {
      expect(ids(await list('?minPriceCents=5000'))).toEqual(['sku-002', 'sku-013', 'sku-015']);
    });

    it('filters by a maximum price alone', async () => {
      expect(ids(await list('?maxPriceCents=500'))).toEqual(['sku-014', 'sku-023']);
    });

    it('accepts an equal minimum and maximum price', async () => {
      expect(ids(await list('?minPriceCents=1899&maxPriceCents=1899'))).toEqual(['sku-001']);
    });

    it('looks up several products by repeated ids, in catalog order, skipping unknown ones', async () => {
      const page = await list('?ids=sku-010&ids=sku-002&ids=sku-999');

      expect(ids(page)).toEqual(['sku-002', 'sku-010']);
      expect(page.total).toBe(2);
    });

    it('accepts a single ids value', async () => {
      expect(ids(await list('?ids=sku-027'))).toEqual(['sku-027']);
    });

    it('combines filters', async () => {
      const page = await list('?category=kitchen&inStock=true&maxPriceCents=2500');

      expect(page.items.map((product: Product) => product.name)).toEqual([
        'Cutting board',
        'Espresso cups (4)',
        'Kitchen scale',
        'Whisk',
      ]);
    });

    it.each([
      ['limit=0', 'querystring/limit must be >= 1'],
      ['limit=101', 'querystring/limit must be <= 100'],
      ['limit=abc', 'querystring/limit must be integer'],
      ['limit=2.5', 'querystring/limit must be integer'],
      ['limit=1e1', 'querystring/limit must be integer'],
      ['limit=0x10', 'querystring/limit must be integer'],
      ['offset=-1', 'querystring/offset must be >= 0'],
      ['offset=10001', 'querystring/offset must be <= 10000'],
      ['offset=1e309', 'querystring/offset must be integer'],
      ['offset=0x10', 'querystring/offset must be integer'],
      [`offset=${'9'.repeat(400)}`, 'querystring/offset must be <= 10000'],
      ['maxPriceCents=100000001', 'querystring/maxPriceCents must be <= 100000000'],
      ['inStock=yes', 'querystring/inStock must be boolean'],
      ['minPriceCents=-1', 'querystring/minPriceCents must be >= 0'],
      ['q=', 'querystring/q must NOT have fewer than 1 characters'],
      ['ids=SKU-001', 'querystring/ids/0 must match pattern "^sku-[0-9]{3,6}$"'],
      ['sort=price', 'querystring must NOT have additional properties'],
      ['minPriceCents=3000&maxPriceCents=2000', 'querystring/minPriceCents must not be greater than maxPriceCents'],
    ])('rejects ?%s with 400', async (query, message) => {
      const response = await app.inject({ method: 'GET', url: `/catalog/products?${query}` });

      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({ statusCode: 400, error: 'Bad Request', message });
    });

    it('rejects more than 100 ids', async () => {
      const query = range(1, 101)
        .map((id) => `ids=${id}`)
        .join('&');
      const response = await app.inject({ method: 'GET', url: `/catalog/products?${query}` });

      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: 'querystring/ids must NOT have more than 100 items',
      });
    });
  });

  describe('GET /catalog/products/:id', () => {
    it('returns one product', async () => {
      const response = await app.inject({ method: 'GET', url: '/catalog/products/sku-015' });

      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        id: 'sku-015',
        name: 'Chef knife',
        category: 'kitchen',
        priceCents: 5450,
        currency: 'EUR',
        inStock: true,
      });
    });

    it('answers 404 for an unknown product', async () => {
      const response = await app.inject({ method: 'GET', url: '/catalog/products/sku-999' });

      expect(response.statusCode).toBe(404);
      expect(response.json()).toEqual({
        statusCode: 404,
        error: 'Not Found',
        message: 'product sku-999 does not exist',
      });
    });

    it.each(['SKU-001', 'sku-1', 'sku-0000001', 'hammer'])('rejects the malformed id %s with 400', async (id) => {
      const response = await app.inject({ method: 'GET', url: `/catalog/products/${id}` });

      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: 'params/id must match pattern "^sku-[0-9]{3,6}$"',
      });
    });

    it('echoes the caller request id', async () => {
      const response = await app.inject({
        method: 'GET',
        url: '/catalog/products/sku-001',
        headers: { 'x-request-id': 'trace-123' },
      });

      expect(response.headers['x-request-id']).toBe('trace-123');
    });
  });

  it('answers an unknown route under the prefix with the JSON 404', async () => {
    const response = await app.inject({ method: 'GET', url: '/catalog/nope?x=1' });

    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'Route GET /catalog/nope not found',
    });
  });
});
