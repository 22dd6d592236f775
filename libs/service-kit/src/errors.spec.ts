import Fastify, { type FastifyInstance } from 'fastify';
import { errorBody, errorsPlugin } from './errors';
import { GatewayTimeoutError, NotFoundError } from './http-errors';
import { demo } from './test-fixture';
import { buildTestService } from './testing';

describe('errorBody', () => {
  it('pairs a status code with its standard reason phrase', () => {
    expect(errorBody(404, 'no such thing')).toEqual({ statusCode: 404, error: 'Not Found', message: 'no such thing' });
  });

  it('falls back to "Error" for a code without a reason phrase', () => {
    expect(errorBody(599, 'odd')).toEqual({ statusCode: 599, error: 'Error', message: 'odd' });
  });
});

describe('errors plugin on the demo service', () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    app = await buildTestService(demo, { BODY_LIMIT_BYTES: '64' });
  });
  afterAll(() => app.close());

  it('accepts a valid body', async () => {
    const response = await app.inject({ method: 'POST', url: '/demo/echo', payload: { n: 7 } });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ n: 7 });
  });

  it('answers malformed JSON with 400 and the JSON error shape', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/demo/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"n":',
    });

    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: "Body is not valid JSON but content-type is set to 'application/json'",
    });
  });

  it('answers an empty JSON body with 400', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/demo/echo',
      headers: { 'content-type': 'application/json' },
      payload: '',
    });

    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: "Body cannot be empty when content-type is set to 'application/json'",
    });
  });

  it('answers a field of the wrong type with 400 and the validation message', async () => {
    const response = await app.inject({ method: 'POST', url: '/demo/echo', payload: { n: 'seven' } });

    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ statusCode: 400, error: 'Bad Request', message: 'body/n must be integer' });
  });

  it('answers a fractional number for an integer field with 400', async () => {
    const response = await app.inject({ method: 'POST', url: '/demo/echo', payload: { n: 1.5 } });

    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ statusCode: 400, error: 'Bad Request', message: 'body/n must be integer' });
  });

  it('answers a missing field with 400 naming the field', async () => {
    const response = await app.inject({ method: 'POST', url: '/demo/echo', payload: {} });

    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: "body must have required property 'n'",
    });
  });

  it('answers an unknown field with 400 instead of dropping it', async () => {
    const response = await app.inject({ method: 'POST', url: '/demo/echo', payload: { n: 1, admin: true } });

    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'body must NOT have additional properties',
    });
  });

  it('answers a body over the limit with 413 and the JSON error shape', async () => {
    const response = await app.inject({ method: 'POST', url: '/demo/echo', payload: { n: 1, pad: 'x'.repeat(64) } });

    expect(response.statusCode).toBe(413);
    expect(response.json()).toEqual({
      statusCode: 413,
      error: 'Payload Too Large',
      message: 'Request body is too large',
    });
  });

  it('lets a body exactly at the limit through to validation', async () => {
    const payload = JSON.stringify({ n: 1, p: 'x'.repeat(50) });
    expect(Buffer.byteLength(payload)).toBe(64);

    const response = await app.inject({
      method: 'POST',
      url: '/demo/echo',
      headers: { 'content-type': 'application/json' },
      payload,
    });

    expect(response.statusCode).toBe(400);
    expect(response.json().message).toBe('body must NOT have additional properties');
  });

  it('answers an unsupported content type with 415', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/demo/echo',
      headers: { 'content-type': 'application/xml' },
      payload: '<n>1</n>',
    });

    expect(response.statusCode).toBe(415);
    expect(response.json()).toEqual({
      statusCode: 415,
      error: 'Unsupported Media Type',
      message: 'Unsupported Media Type',
    });
  });

  it('answers an unknown route with the JSON 404, without the query string', async () => {
    const response = await app.inject({ method: 'GET', url: '/demo/nope?token=abc' });

    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ statusCode: 404, error: 'Not Found', message: 'Route GET /demo/nope not found' });
  });

  it('answers a known path with the wrong method with the JSON 404', async () => {
    const response = await app.inject({ method: 'DELETE', url: '/demo/echo' });

    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'Route DELETE /demo/echo not found',
    });
  });

  it('answers a thrown plain Error with 500 and a fixed message that leaks nothing', async () => {
    const response = await app.inject({ method: 'GET', url: '/demo/boom' });

    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'An unexpected error occurred',
    });
    expect(response.body).not.toContain('secret internals');
    expect(response.body).not.toMatch(/\bat /);
    expect(response.body).not.toContain('stack');
  });

  it('answers a BadGatewayError with 502 and its own message', async () => {
    const response = await app.inject({ method: 'GET', url: '/demo/upstream' });

    expect(response.statusCode).toBe(502);
    expect(response.json()).toEqual({
      statusCode: 502,
      error: 'Bad Gateway',
      message: 'catalog is unavailable: ECONNREFUSED',
    });
  });

  it('answers a querystring of the wrong type with 400', async () => {
    const response = await app.inject({ method: 'GET', url: '/demo/slow?ms=soon' });

    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'querystring/ms must be integer',
    });
  });
});

describe('errors plugin on its own', () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    app = Fastify({ logger: false });
    await app.register(errorsPlugin);
    app.get('/timeout', async () => {
      throw new GatewayTimeoutError('catalog did not answer within 2000 ms');
    });
    app.get('/missing', async () => {
      throw new NotFoundError('no product "p-9"');
    });
    app.get('/teapot', async () => {
      throw Object.assign(new Error('short and stout'), { statusCode: 418 });
    });
    app.get('/redirect-status', async () => {
      throw Object.assign(new Error('moved to /internal/host-7'), { statusCode: 302 });
    });
    app.get('/coded-500', async () => {
      throw Object.assign(new Error('db password is hunter2'), { statusCode: 500, code: 'DB_DOWN' });
    });
    app.get('/uncoded-503', async () => {
      throw Object.assign(new Error('pool exhausted at 10.0.0.7'), { statusCode: 503 });
    });
    app.get('/thrown-string', async () => {
      throw 'not even an Error';
    });
    await app.ready();
  });
  afterAll(() => app.close());

  it('shows the message of a deliberate 504', async () => {
    const response = await app.inject({ method: 'GET', url: '/timeout' });

    expect(response.statusCode).toBe(504);
    expect(response.json()).toEqual({
      statusCode: 504,
      error: 'Gateway Timeout',
      message: 'catalog did not answer within 2000 ms',
    });
  });

  it('shows the message of a NotFoundError', async () => {
    const response = await app.inject({ method: 'GET', url: '/missing' });

    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ statusCode: 404, error: 'Not Found', message: 'no product "p-9"' });
  });

  it('keeps any 4xx status and message of an error', async () => {
    const response = await app.inject({ method: 'GET', url: '/teapot' });

    expect(response.statusCode).toBe(418);
    expect(response.json()).toEqual({ statusCode: 418, error: "I'm a Teapot", message: 'short and stout' });
  });

  it('turns a non-error status code on an error into a 500 with the fixed message', async () => {
    const response = await app.inject({ method: 'GET', url: '/redirect-status' });

    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'An unexpected error occurred',
    });
  });

  it('hides the message of a 500 even when the error has a code', async () => {
    const response = await app.inject({ method: 'GET', url: '/coded-500' });

    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'An unexpected error occurred',
    });
    expect(response.body).not.toContain('hunter2');
  });

  it('hides the message of a 5xx raised without a code', async () => {
    const response = await app.inject({ method: 'GET', url: '/uncoded-503' });

    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'An unexpected error occurred',
    });
    expect(response.body).not.toContain('10.0.0.7');
  });

  it('answers a thrown non-Error value with 500 and the fixed message', async () => {
    const response = await app.inject({ method: 'GET', url: '/thrown-string' });

    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'An unexpected error occurred',
    });
  });
});
