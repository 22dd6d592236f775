import helmet from '@fastify/helmet';
import Fastify, { type FastifyInstance } from 'fastify';
import { helmetHeaders } from './response-headers';
import { demo, KeepAliveClient, listenOnLoopback } from './test-fixture';
import { buildTestService } from './testing';

/**
 * The security headers every response carries, pinned by name and value: an optimisation of how they
 * are written may not drop or change one. They are @fastify/helmet 13's defaults.
 */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';" +
    "img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';" +
    "style-src 'self' https: 'unsafe-inline';upgrade-insecure-requests",
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'SAMEORIGIN',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};

/** What Fastify and Node add to every response on their own. */
const TRANSPORT_HEADERS = ['content-length', 'content-type', 'date', 'connection', 'keep-alive'];

function kitHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !TRANSPORT_HEADERS.includes(name)));
}

describe('response headers', () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    app = await buildTestService(demo);
  });
  afterAll(() => app.close());

  it('sends exactly the pinned security headers and the request id on a normal response', async () => {
    const response = await app.inject({ method: 'GET', url: '/demo/health', headers: { 'x-request-id': 'h-1' } });

    expect(kitHeaders(response.headers)).toEqual({ ...SECURITY_HEADERS, 'x-request-id': 'h-1' });
    expect(response.headers['x-powered-by']).toBeUndefined();
  });

  it.each([
    ['a 404', 'GET', '/demo/nope', 404],
    ['a 500', 'GET', '/demo/boom', 500],
    ['a 502', 'GET', '/demo/upstream', 502],
    ['a validation 400', 'GET', '/demo/slow?ms=soon', 400],
    ['a readiness 503', 'GET', '/demo/ready', 503],
  ] as const)('sends the same headers on %s', async (_label, method, url, status) => {
    const response = await app.inject({ method, url, headers: { 'x-request-id': 'e-1' } });

    expect(response.statusCode).toBe(status);
    expect(kitHeaders(response.headers)).toEqual({ ...SECURITY_HEADERS, 'x-request-id': 'e-1' });
  });

  it('takes the same headers from helmet that @fastify/helmet writes on each request', async () => {
    const helmetApp = Fastify({ logger: false });
    await helmetApp.register(helmet, { global: true });
    helmetApp.get('/', async () => 'x');
    try {
      const response = await helmetApp.inject({ method: 'GET', url: '/' });

      expect(kitHeaders(response.headers)).toEqual(await helmetHeaders());
      expect(await helmetHeaders()).toEqual(SECURITY_HEADERS);
    } finally {
      await helmetApp.close();
    }
  });
});

describe('response headers while draining', () => {
  let app: FastifyInstance;
  let base: string;
  let client: KeepAliveClient;

  beforeEach(async () => {
    app = await buildTestService(demo);
    base = await listenOnLoopback(app);
    client = new KeepAliveClient();
  });
  afterEach(async () => {
    client.close();
    await app.close();
  });

  it('keeps connections alive while ready', async () => {
    const first = await client.get(`${base}/demo/health`);
    const second = await client.get(`${base}/demo/health`);

    expect(first.headers.connection).toBe('keep-alive');
    expect(second.socket).toBe(first.socket);
  });

  it('says Connection: close on every response once draining, so the client opens a new socket each time', async () => {
    app.lifecycle.state = 'draining';

    const first = await client.get(`${base}/demo/health`);
    const notFound = await client.get(`${base}/demo/nope`);

    expect(first.headers.connection).toBe('close');
    expect(notFound.headers.connection).toBe('close');
    expect(notFound.socket).not.toBe(first.socket);
    expect(client.socketErrors).toEqual([]);
  });
});
