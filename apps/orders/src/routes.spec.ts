import { createTestDatabase, freeLoopbackPort, type TestDatabase } from '@gantry/database/testing';
import { buildTestService } from '@gantry/service-kit/testing';
import type { FastifyInstance } from 'fastify';
import { orders } from './service';
import { startFakePricing, type FakePricing } from './testing/fake-pricing';

const ITEMS = {
  items: [
    { productId: 'sku-001', quantity: 2 },
    { productId: 'sku-002', quantity: 1 },
  ],
};

describe('orders on a real PostgreSQL', () => {
  let db: TestDatabase;
  let pricing: FakePricing;
  let app: FastifyInstance;
  const count = async () => (await db.pool.query('SELECT count(*)::int AS n FROM orders')).rows[0].n as number;
  const place = (body: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/orders', payload: body as object, headers });

  beforeAll(async () => {
    pricing = await startFakePricing();
  });
  afterAll(() => pricing.close());
  beforeEach(async () => {
    db = await createTestDatabase();
    app = await buildTestService(orders, { ...db.env, PRICING_URL: pricing.url });
  });
  afterEach(async () => {
    await app.close();
    await db.drop();
  });

  describe('POST /orders', () => {
    it('prices the items through pricing, stores the order with its lines, and answers 201 with it', async () => {
      const response = await place(ITEMS);

      expect(response.statusCode).toBe(201);
      const order = response.json();
      expect(order).toMatchObject({ status: 'placed', currency: 'EUR', totalCents: 3000, version: 1 });
      expect(order.lines.map((line: { productId: string }) => line.productId)).toEqual(['sku-001', 'sku-002']);
      expect(response.headers['etag']).toBe('"1"');
      expect((await app.inject({ method: 'GET', url: `/orders/${order.id}` })).json()).toEqual(order);
    });

    it('stores an optional note with the order, and counts a different note as a different body', async () => {
      const first = await place({ ...ITEMS, note: 'leave at the door' }, { 'idempotency-key': 'k-note' });
      const other = await place({ ...ITEMS, note: 'ring twice' }, { 'idempotency-key': 'k-note' });

      expect(first.statusCode).toBe(201);
      expect(first.json().note).toBe('leave at the door');
      expect(other.statusCode).toBe(409);
      expect((await place(ITEMS)).json().note).toBeNull();
    });

    it('answers the same order for the same Idempotency-Key and body, without pricing it again', async () => {
      const first = await place(ITEMS, { 'idempotency-key': 'k-1' });
      const quotes = pricing.quotes();

      const again = await place(ITEMS, { 'idempotency-key': 'k-1' });

      expect(again.statusCode).toBe(201);
      expect(again.json()).toEqual(first.json());
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(pricing.quotes()).toBe(quotes);
      expect(await count()).toBe(1);
    });

    it('answers 409 for a reused Idempotency-Key with a different body, and stores nothing', async () => {
      await place(ITEMS, { 'idempotency-key': 'k-2' });

      const response = await place({ items: [{ productId: 'sku-003', quantity: 1 }] }, { 'idempotency-key': 'k-2' });

      expect(response.statusCode).toBe(409);
      expect(response.json()).toEqual({
        statusCode: 409,
        error: 'Conflict',
        message: 'Idempotency-Key "k-2" was already used with a different body',
      });
      expect(await count()).toBe(1);
    });

    it('creates one order when the same Idempotency-Key arrives 50 times at once', async () => {
      const responses = await Promise.all(
        Array.from({ length: 50 }, () => place(ITEMS, { 'idempotency-key': 'k-burst' })),
      );

      expect(responses.map((r) => r.statusCode)).toEqual(Array(50).fill(201));
      expect(new Set(responses.map((r) => r.json().id)).size).toBe(1);
      expect(await count()).toBe(1);
    });

    it.each([
      ['no items', { items: [] }, 'body/items must NOT have fewer than 1 items'],
      ['a quantity of 0', { items: [{ productId: 'sku-001', quantity: 0 }] }, 'body/items/0/quantity must be >= 1'],
      [
        'an unknown field',
        { items: [{ productId: 'sku-001', quantity: 1 }], coupon: 'x' },
        'body must NOT have additional properties',
      ],
    ])('answers 400 for %s and stores nothing', async (_, body, message) => {
      const response = await place(body);

      expect(response.statusCode).toBe(400);
      expect(response.json().message).toBe(message);
      expect(await count()).toBe(0);
    });

    it('answers 400 for malformed JSON and a bad Idempotency-Key, storing nothing', async () => {
      const malformed = await app.inject({
        method: 'POST',
        url: '/orders',
        payload: '{"items": [',
        headers: { 'content-type': 'application/json' },
      });
      const badKey = await place(ITEMS, { 'idempotency-key': 'has spaces' });

      expect(malformed.statusCode).toBe(400);
      expect(badKey.statusCode).toBe(400);
      expect(badKey.json().message).toMatch(/^headers\/idempotency-key must match pattern/);
      expect(await count()).toBe(0);
    });

    it("passes pricing's 422 for an unknown product on, and stores nothing", async () => {
      const response = await place({ items: [{ productId: 'sku-999', quantity: 1 }] });

      expect(response.statusCode).toBe(422);
      expect(response.json().message).toBe('unknown product: sku-999');
      expect(await count()).toBe(0);
    });
  });

  describe('GET /orders', () => {
    it('pages newest first by keyset, with no order twice and none left out', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i += 1) ids.push((await place(ITEMS)).json().id);

      const seen: string[] = [];
      let next: string | null = null;
      let pages = 0;
      do {
        const query: string = next ? `?limit=2&after=${next}` : '?limit=2';
        const page = (await app.inject({ method: 'GET', url: `/orders${query}` })).json();
        seen.push(...page.items.map((order: { id: string }) => order.id));
        next = page.next;
        pages += 1;
      } while (next);

      expect(pages).toBe(3);
      expect(seen).toEqual([...ids].reverse());
    });

    it('answers 400 for a cursor it never gave out and a limit over 100', async () => {
      const cursor = await app.inject({ method: 'GET', url: '/orders?after=abc' });
      const limit = await app.inject({ method: 'GET', url: '/orders?limit=101' });

      expect(cursor.statusCode).toBe(400);
      expect(limit.statusCode).toBe(400);
      expect(limit.json().message).toBe('querystring/limit must be <= 100');
    });

    it('answers 404 for an unknown order and 400 for an id that is not a UUID', async () => {
      const unknown = await app.inject({ method: 'GET', url: '/orders/00000000-0000-4000-8000-000000000000' });
      const bad = await app.inject({ method: 'GET', url: '/orders/42' });

      expect(unknown.statusCode).toBe(404);
      expect(bad.statusCode).toBe(400);
    });
  });

  describe('PATCH /orders/:id', () => {
    let id: string;
    const patch = (status: string, headers: Record<string, string>) =>
      app.inject({ method: 'PATCH', url: `/orders/${id}`, payload: { status }, headers });

    beforeEach(async () => {
      id = (await place(ITEMS)).json().id;
    });

    it('moves the order along an allowed transition when If-Match names its version', async () => {
      const response = await patch('paid', { 'if-match': '"1"' });

      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ status: 'paid', version: 2 });
      expect(response.headers['etag']).toBe('"2"');
    });

    it('answers 412 for a stale version and leaves the order as it was', async () => {
      await patch('paid', { 'if-match': '"1"' });

      const response = await patch('cancelled', { 'if-match': '"1"' });

      expect(response.statusCode).toBe(412);
      expect(response.json().message).toBe(`order ${id} is at version 2, not 1: read it again and retry`);
      expect((await app.inject({ method: 'GET', url: `/orders/${id}` })).json()).toMatchObject({ status: 'paid' });
    });

    it('lets exactly one of ten concurrent PATCHes with the same version win; the others get 412', async () => {
      const responses = await Promise.all(Array.from({ length: 10 }, () => patch('paid', { 'if-match': '"1"' })));

      expect(responses.filter((r) => r.statusCode === 200)).toHaveLength(1);
      expect(responses.filter((r) => r.statusCode === 412)).toHaveLength(9);
    });

    it('answers 409 naming the allowed moves for a transition the status does not allow', async () => {
      const response = await patch('delivered', { 'if-match': '"1"' });

      expect(response.statusCode).toBe(409);
      expect(response.json().message).toBe(
        'an order that is placed cannot become delivered; it may become paid or cancelled',
      );
    });

    it('answers 428 without If-Match, 400 for an unknown status, and 404 for an unknown order', async () => {
      expect((await patch('paid', {})).statusCode).toBe(428);
      expect((await patch('lost', { 'if-match': '"1"' })).statusCode).toBe(400);
      id = '00000000-0000-4000-8000-000000000000';
      expect((await patch('paid', { 'if-match': '"1"' })).statusCode).toBe(404);
    });
  });
});

describe('orders with its upstreams down', () => {
  it('answers 502 when pricing is unreachable, storing nothing', async () => {
    const db = await createTestDatabase();
    const app = await buildTestService(orders, {
      ...db.env,
      PRICING_URL: `http://127.0.0.1:${await freeLoopbackPort()}`,
    });
    try {
      const response = await app.inject({ method: 'POST', url: '/orders', payload: ITEMS });

      expect(response.statusCode).toBe(502);
      expect(response.json().message).toBe('pricing is unavailable: ECONNREFUSED');
      expect((await db.pool.query('SELECT count(*)::int AS n FROM orders')).rows[0].n).toBe(0);
    } finally {
      await app.close();
      await db.drop();
    }
  });

  it('answers 503 with Retry-After when the database is down; readiness is 503 and liveness 200', async () => {
    const pricing = await startFakePricing();
    const db = await createTestDatabase();
    const app = await buildTestService(orders, {
      ...db.env,
      DB_PORT: String(await freeLoopbackPort()),
      PRICING_URL: pricing.url,
    });
    try {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const post = await app.inject({ method: 'POST', url: '/orders', payload: ITEMS });
      const get = await app.inject({ method: 'GET', url: '/orders/00000000-0000-4000-8000-000000000000' });
      const ready = await app.inject({ method: 'GET', url: '/orders/ready' });
      const health = await app.inject({ method: 'GET', url: '/orders/health' });

      for (const response of [post, get]) {
        expect(response.statusCode).toBe(503);
        expect(response.headers['retry-after']).toBe('2');
        expect(response.json().message).toBe('the database is unavailable; retry shortly');
      }
      expect(ready.statusCode).toBe(503);
      expect(ready.json().message).toBe('not ready: database is unavailable');
      expect(health.statusCode).toBe(200);
    } finally {
      await app.close();
      await db.drop();
      await pricing.close();
    }
  });
});
