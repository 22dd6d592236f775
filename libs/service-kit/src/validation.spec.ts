import { Type } from '@sinclair/typebox';
import Fastify from 'fastify';
import { validationOptions } from './validation';

describe('request validation', () => {
  const app = Fastify(validationOptions);
  const schema = {
    body: Type.Object({ n: Type.Integer(), name: Type.Optional(Type.String()) }, { additionalProperties: false }),
    querystring: Type.Object(
      {
        limit: Type.Optional(Type.Integer({ minimum: -5, maximum: 100 })),
        ratio: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
        ids: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 999 }))),
        name: Type.Optional(Type.String({ pattern: '^[\\p{L}]+$', maxLength: 4 })),
      },
      { additionalProperties: false },
    ),
  };
  app.post('/things', { schema }, async (request) => ({ body: request.body, query: request.query }));
  app.get(
    '/things/:name',
    { schema: { params: Type.Object({ name: Type.String({ maxLength: 4 }) }) } },
    async (request) => request.params,
  );
  afterAll(() => app.close());

  const post = (query: string, payload: unknown = { n: 1 }) =>
    app.inject({ method: 'POST', url: `/things?${query}`, payload: payload as object });

  it('converts query-string text to the schema type', async () => {
    const response = await post('limit=5&ratio=0.25&ids=7&ids=8');

    expect(response.json()).toEqual({ body: { n: 1 }, query: { limit: 5, ratio: 0.25, ids: [7, 8] } });
  });

  it('accepts a negative integer written with a minus sign, and checks it against the bounds', async () => {
    expect((await post('limit=-5')).json().query).toEqual({ limit: -5 });
    expect((await post('limit=-6')).json().message).toBe('querystring/limit must be >= -5');
  });

  it.each([
    ['exponent notation', 'limit=1e1'],
    ['an exponent that overflows to Infinity', 'limit=1e309'],
    ['hexadecimal', 'limit=0x10'],
    ['binary', 'limit=0b1'],
    ['a leading plus sign', 'limit=%2B5'],
    ['a leading space', 'limit=%205'],
    ['a trailing space', 'limit=5%20'],
    ['a fraction', 'limit=2.5'],
    ['a fraction of zero', 'limit=2.0'],
    ['nothing at all', 'limit='],
    ['Infinity', 'limit=Infinity'],
    ['full-width digits', 'limit=%EF%BC%95'],
  ])('rejects an integer written as %s with 400', async (_label, query) => {
    const response = await post(query);

    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      statusCode: 400,
      code: 'FST_ERR_VALIDATION',
      error: 'Bad Request',
      message: 'querystring/limit must be integer',
    });
  });

  it.each([
    ['16 digits', '9'.repeat(16), 'querystring/limit must be <= 100'],
    ['400 digits, which Number() makes Infinity', '9'.repeat(400), 'querystring/limit must be <= 100'],
    ['400 digits after a minus sign', `-${'9'.repeat(400)}`, 'querystring/limit must be >= -5'],
  ])('rejects a run of %s with the bound it breaks', async (_label, digits, message) => {
    const response = await post(`limit=${digits}`);

    expect(response.statusCode).toBe(400);
    expect(response.json().message).toBe(message);
  });

  it('names the item of a list that is not written as digits', async () => {
    const response = await post('ids=7&ids=0x8');

    expect(response.statusCode).toBe(400);
    expect(response.json().message).toBe('querystring/ids/1 must be integer');
  });

  it.each([
    ['exponent notation', 'ratio=5e-1'],
    ['a leading dot', 'ratio=.5'],
    ['a trailing dot', 'ratio=1.'],
    ['NaN', 'ratio=NaN'],
  ])('rejects a number written as %s with 400', async (_label, query) => {
    expect((await post(query)).json().message).toBe('querystring/ratio must be number');
  });

  it('normalises query text to NFC before validating it', async () => {
    // "Zoë" with the diaeresis as a combining mark (U+0308): 4 code points, 3 once composed.
    const response = await post(`name=${encodeURIComponent('Zoe\u0308')}`);

    expect(response.statusCode).toBe(200);
    expect(response.json().query.name).toBe('Zo\u00eb');
  });

  it('normalises path parameters to NFC before validating them', async () => {
    const response = await app.inject({ method: 'GET', url: `/things/${encodeURIComponent('Zoe\u0308')}` });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ name: 'Zo\u00eb' });
  });

  it('normalises every string of a JSON body to NFC', async () => {
    const response = await post('', { n: 1, name: 'Jose\u0301' });

    expect(response.statusCode).toBe(200);
    expect(response.json().body).toEqual({ n: 1, name: 'Jos\u00e9' });
  });

  it('answers a deeply nested body with 400, not a stack overflow', async () => {
    const depth = 100_000;
    const response = await app.inject({
      method: 'POST',
      url: '/things',
      headers: { 'content-type': 'application/json' },
      payload: `${'['.repeat(depth)}"x\u0301"${']'.repeat(depth)}`,
    });

    expect(response.statusCode).toBe(400);
    expect(response.json().message).toBe('body must be object');
  });

  it.each([
    ['"3"', '"3"'],
    ['true', 'true'],
    ['null', 'null'],
  ])('does not coerce a JSON body value %s into an integer', async (_label, raw) => {
    const response = await app.inject({
      method: 'POST',
      url: '/things',
      headers: { 'content-type': 'application/json' },
      payload: `{"n": ${raw}}`,
    });

    expect(response.statusCode).toBe(400);
    expect(response.json().message).toBe('body/n must be integer');
  });

  it('rejects unknown body fields instead of dropping them', async () => {
    const response = await post('', { n: 1, admin: true });

    expect(response.statusCode).toBe(400);
    expect(response.json().message).toBe('body must NOT have additional properties');
  });
});

describe('numbers in the query string without bounds', () => {
  it.each([
    ['no maximum', Type.Integer({ minimum: 0 }), 'integer'],
    ['no minimum', Type.Integer({ maximum: 10 }), 'integer'],
    ['a maximum beyond the safe integers', Type.Number({ minimum: 0, maximum: 2 ** 60 }), 'number'],
  ])('fail the boot with a message naming the route and the field when it has %s', async (_label, field, kind) => {
    const app = Fastify(validationOptions);
    app.get('/pages', { schema: { querystring: Type.Object({ page: Type.Optional(field) }) } }, async () => 'x');

    await expect(app.ready()).rejects.toThrow(
      `GET /pages: querystring/page is an ${kind} without bounds; give it a minimum and a maximum, both safe integers`,
    );
    await app.close();
  });

  it('are checked in lists too', async () => {
    const app = Fastify(validationOptions);
    const querystring = Type.Object({ ids: Type.Optional(Type.Array(Type.Integer())) });
    app.get('/pages', { schema: { querystring } }, async () => 'x');

    await expect(app.ready()).rejects.toThrow('GET /pages: querystring/ids is an integer without bounds');
    await app.close();
  });
});
