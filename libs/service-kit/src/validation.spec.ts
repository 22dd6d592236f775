import { Type } from '@sinclair/typebox';
import Fastify from 'fastify';
import { validationOptions } from './validation';

describe('request validation', () => {
  const app = Fastify(validationOptions);
  const schema = {
    body: Type.Object({ n: Type.Integer() }, { additionalProperties: false }),
    querystring: Type.Object({ limit: Type.Optional(Type.Integer()) }),
  };
  app.post('/things', { schema }, async (request) => ({ body: request.body, query: request.query }));
  afterAll(() => app.close());

  it('converts query-string text to the schema type', async () => {
    const response = await app.inject({ method: 'POST', url: '/things?limit=5', payload: { n: 1 } });

    expect(response.json()).toEqual({ body: { n: 1 }, query: { limit: 5 } });
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
    const response = await app.inject({ method: 'POST', url: '/things', payload: { n: 1, admin: true } });

    expect(response.statusCode).toBe(400);
    expect(response.json().message).toBe('body must NOT have additional properties');
  });
});
