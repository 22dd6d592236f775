import net from 'node:net';
import { Type } from '@sinclair/typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import { errorBody, errorsPlugin } from './errors';
import { GatewayTimeoutError, NotFoundError, ServiceUnavailableError } from './http-errors';
import { demo, listenOnLoopback } from './test-fixture';
import { buildTestService } from './testing';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Writes raw bytes to the server and reads until it closes the connection: for requests no HTTP client would send. */
function rawExchange(
  base: string,
  request: string,
): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const { port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => socket.end(request));
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head, body] = received.split('\r\n\r\n');
      const [statusLine, ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(
        lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
      );
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
    });
  });
}

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

describe('framework errors on the demo service', () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    app = await buildTestService(demo);
  });
  afterAll(() => app.close());

  it('answers a URL that cannot be percent-decoded with 400 in the error shape, with the request id and security headers', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/demo/items/%zz',
      headers: { 'x-request-id': 'bad-url-1' },
    });

    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: "'/demo/items/%zz' is not a valid url component",
    });
    expect(response.headers['x-request-id']).toBe('bad-url-1');
    expect(response.headers['content-security-policy']).toContain("default-src 'self'");
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });

  it('answers a path parameter over 100 characters with 414 in the error shape, with the request id and security headers', async () => {
    const url = `/demo/items/${'a'.repeat(101)}`;
    const response = await app.inject({ method: 'GET', url, headers: { 'x-request-id': 'long-1' } });

    expect(response.statusCode).toBe(414);
    expect(response.json()).toEqual({
      statusCode: 414,
      error: 'URI Too Long',
      message: `'${url}' is exceeding the max param length`,
    });
    expect(response.headers['x-request-id']).toBe('long-1');
    expect(response.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
  });

  it('lets a path parameter of 100 characters through to the route', async () => {
    const response = await app.inject({ method: 'GET', url: `/demo/items/${'a'.repeat(100)}` });

    expect(response.statusCode).toBe(200);
  });
});

describe('client errors on a real socket', () => {
  let app: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    app = await buildTestService(demo);
    base = await listenOnLoopback(app);
  });
  afterAll(() => app.close());

  it.each([
    ['a malformed request line', 'NOT HTTP AT ALL\r\n\r\n', 400, 'The request could not be parsed as HTTP'],
    [
      'a bad Content-Length',
      'POST /demo/echo HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n',
      400,
      'The request could not be parsed as HTTP',
    ],
    [
      'headers over 16 KiB',
      `GET /demo/health HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(20_000)}\r\n\r\n`,
      431,
      'The request headers are too large',
    ],
    [
      'a request line over 16 KiB',
      `GET /demo/items/${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      414,
      'The request line is too long',
    ],
  ])(
    'answers %s in the error shape, with a new request id and the security headers',
    async (_label, request, status, message) => {
      const response = await rawExchange(base, request);

      expect(response.status).toBe(status);
      expect(JSON.parse(response.body)).toEqual(errorBody(status, message));
      expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(response.headers['content-length']).toBe(String(Buffer.byteLength(response.body)));
      expect(response.headers['x-request-id']).toMatch(UUID);
      expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(response.headers['connection']).toBe('close');
    },
  );

  it('keeps serving after a client error', async () => {
    await rawExchange(base, 'NOT HTTP AT ALL\r\n\r\n');

    const response = await rawExchange(base, 'GET /demo/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');

    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ status: 'ok' });
  });
});

describe('an error whose status the route describes with another schema', () => {
  it('is answered in the error shape instead of failing serialization with a 500', async () => {
    const app = await buildTestService({
      ...demo,
      routes: async (routes) => {
        const Busy = Type.Object({ queue: Type.Integer() });
        routes.get('/busy', { schema: { response: { 503: Busy } } }, async () => {
          throw Object.assign(new Error('queue is full'), { statusCode: 503, code: 'QUEUE_FULL' });
        });
      },
    });
    try {
      const response = await app.inject({ method: 'GET', url: '/demo/busy' });

      expect(response.statusCode).toBe(503);
      expect(response.json()).toEqual({ statusCode: 503, error: 'Service Unavailable', message: 'queue is full' });
    } finally {
      await app.close();
    }
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
    app.get('/database-down', async () => {
      throw new ServiceUnavailableError('the database is unavailable', 2);
    });
    app.get('/thrown-string', async () => {
      throw 'not even an Error';
    });
    await app.ready();
  });
  afterAll(() => app.close());

  it('answers a ServiceUnavailableError with 503, its message and its Retry-After', async () => {
    const response = await app.inject({ method: 'GET', url: '/database-down' });

    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('2');
    expect(response.json()).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'the database is unavailable',
    });
  });

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
