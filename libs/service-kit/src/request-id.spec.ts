import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { REQUEST_ID_HEADER, requestIdFrom } from './request-id';
import { demo } from './test-fixture';
import { buildTestService } from './testing';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function incoming(headers: IncomingMessage['headers']): IncomingMessage {
  return { headers } as IncomingMessage;
}

describe('requestIdFrom', () => {
  it('uses the header name x-request-id', () => {
    expect(REQUEST_ID_HEADER).toBe('x-request-id');
  });

  it.each(['abc-123', '1-5759e988-bd862e3fe1be46a994272793', 'svc.pricing_42:7', 'a'.repeat(128)])(
    'honours the safe caller id %s',
    (id) => {
      expect(requestIdFrom(incoming({ 'x-request-id': id }))).toBe(id);
    },
  );

  it.each([
    ['containing a space', 'abc 123'],
    ['containing a newline', 'abc\n{"level":60}'],
    ['containing a quote', 'abc"def'],
    ['of 129 characters', 'a'.repeat(129)],
    ['of 200 characters', 'b'.repeat(200)],
    ['that is empty', ''],
    ['with non-ASCII letters', 'zoë'],
  ])('replaces a caller id %s with a new UUID', (_label, id) => {
    expect(requestIdFrom(incoming({ 'x-request-id': id }))).toMatch(UUID);
  });

  it('replaces a repeated header given as an array with a new UUID', () => {
    expect(requestIdFrom(incoming({ 'x-request-id': ['one', 'two'] as unknown as string }))).toMatch(UUID);
  });

  it('generates a different UUID for each request without a header', () => {
    const first = requestIdFrom(incoming({}));
    const second = requestIdFrom(incoming({}));

    expect(first).toMatch(UUID);
    expect(second).toMatch(UUID);
    expect(first).not.toBe(second);
  });
});

describe('request id on responses', () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    app = await buildTestService(demo);
  });
  afterAll(() => app.close());

  it('echoes a safe caller id', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/demo/health',
      headers: { 'x-request-id': 'trace-42.a:b_c' },
    });

    expect(response.statusCode).toBe(200);
    expect(response.headers['x-request-id']).toBe('trace-42.a:b_c');
  });

  it('makes the id available to handlers as request.id', async () => {
    let seen: string | undefined;
    const probeApp = await buildTestService({
      ...demo,
      routes: async (routes) => {
        routes.get('/whoami', async (request) => {
          seen = request.id;
          return { id: request.id };
        });
      },
    });
    try {
      const response = await probeApp.inject({
        method: 'GET',
        url: '/demo/whoami',
        headers: { 'x-request-id': 'caller-7' },
      });

      expect(response.json()).toEqual({ id: 'caller-7' });
      expect(seen).toBe('caller-7');
    } finally {
      await probeApp.close();
    }
  });

  it('replaces a caller id with spaces by a UUID and echoes that', async () => {
    const response = await app.inject({ method: 'GET', url: '/demo/health', headers: { 'x-request-id': 'forged id' } });

    expect(response.headers['x-request-id']).toMatch(UUID);
  });

  it('replaces a 200-character caller id by a UUID', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/demo/health',
      headers: { 'x-request-id': 'x'.repeat(200) },
    });

    expect(response.headers['x-request-id']).toMatch(UUID);
  });

  it('echoes a new UUID when the caller sends none', async () => {
    const response = await app.inject({ method: 'GET', url: '/demo/health' });

    expect(response.headers['x-request-id']).toMatch(UUID);
  });

  it('echoes the id on a 404', async () => {
    const response = await app.inject({ method: 'GET', url: '/demo/nope', headers: { 'x-request-id': 'lost-1' } });

    expect(response.statusCode).toBe(404);
    expect(response.headers['x-request-id']).toBe('lost-1');
  });

  it('echoes the id on a 500', async () => {
    const response = await app.inject({ method: 'GET', url: '/demo/boom', headers: { 'x-request-id': 'boom-1' } });

    expect(response.statusCode).toBe(500);
    expect(response.headers['x-request-id']).toBe('boom-1');
  });

  it('echoes the id on a validation 400', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/demo/echo',
      payload: { n: 'x' },
      headers: { 'x-request-id': 'bad-1' },
    });

    expect(response.statusCode).toBe(400);
    expect(response.headers['x-request-id']).toBe('bad-1');
  });

  it('echoes the id on a malformed JSON 400', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/demo/echo',
      headers: { 'content-type': 'application/json', 'x-request-id': 'json-1' },
      payload: '{',
    });

    expect(response.statusCode).toBe(400);
    expect(response.headers['x-request-id']).toBe('json-1');
  });
});
