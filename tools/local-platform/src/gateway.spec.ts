import { createServer, request as httpRequest, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { freePort } from '@gantry/process';
import Fastify, { type FastifyInstance } from 'fastify';
import { TEST_TRAFFIC_HEADER } from '@gantry/service-catalog';
import { buildGateway, type GatewayOptions, type GatewayRoute } from './gateway';
import { statusOf } from './status-page';

// Real upstream servers on loopback stand in for services, so forwarding is tested end to end.
async function upstream(name: string): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify();
  app.all('/*', async (request) => ({
    served: name,
    url: request.url,
    method: request.method,
    body: request.body ?? null,
  }));
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url };
}

describe('the gateway', () => {
  let gateway: FastifyInstance;
  const upstreams: FastifyInstance[] = [];

  beforeAll(async () => {
    const api = await upstream('api');
    const apiV2 = await upstream('api-v2');
    const apiNext = await upstream('api-next');
    upstreams.push(api.app, apiV2.app, apiNext.app);
    gateway = await buildGateway({
      // "api-v2" has a lower priority number, so it wins for its own paths.
      routes: [
        { name: 'api', prefix: '/api', priority: 20, url: api.url, testUrl: apiNext.url },
        { name: 'api-v2', prefix: '/api-v2', priority: 10, url: apiV2.url },
      ],
      status: async () => [],
    });
  });
  afterAll(async () => {
    await gateway.close();
    await Promise.all(upstreams.map((app) => app.close()));
  });

  it.each([
    ['/api', 'api'],
    ['/api/', 'api'],
    ['/api/orders/7?x=1', 'api'],
    ['/api-v2/orders', 'api-v2'],
  ])('routes %s to %s without stripping the prefix', async (url, served) => {
    const response = await gateway.inject({ method: 'GET', url });

    expect(response.json()).toMatchObject({ served, url });
  });

  it.each(['/apix', '/API', '/', '/other/api'])('gives %s the default JSON 404', async (url) => {
    const response = await gateway.inject({ method: 'GET', url });

    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'No service is routed at this path',
    });
  });

  it('sends requests with the test header to the new version during a blue/green deploy, and no others', async () => {
    const test = await gateway.inject({ method: 'GET', url: '/api/x', headers: { [TEST_TRAFFIC_HEADER]: '1' } });
    const production = await gateway.inject({
      method: 'GET',
      url: '/api/x',
      headers: { [TEST_TRAFFIC_HEADER]: 'yes' },
    });
    const noTestRoute = await gateway.inject({
      method: 'GET',
      url: '/api-v2/x',
      headers: { [TEST_TRAFFIC_HEADER]: '1' },
    });

    expect(test.json()).toMatchObject({ served: 'api-next' });
    expect(production.json()).toMatchObject({ served: 'api' });
    expect(noTestRoute.json()).toMatchObject({ served: 'api-v2' });
  });

  it('forwards request bodies and methods unchanged', async () => {
    const response = await gateway.inject({ method: 'PUT', url: '/api/things', payload: { a: 1 } });

    expect(response.json()).toEqual({ served: 'api', url: '/api/things', method: 'PUT', body: { a: 1 } });
  });
});

// From here on, over real sockets: Expect, X-Forwarded-* and failed connections do not exist in inject().

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** A gateway on a loopback port in front of `routes`. */
async function gatewayFor(routes: GatewayRoute[], options: Partial<GatewayOptions> = {}): Promise<string> {
  const gateway = await buildGateway({ routes, status: async () => [], log: () => undefined, ...options });
  closers.push(() => gateway.close());
  return gateway.listen({ host: '127.0.0.1', port: 0 });
}

const api = (url: string, extra: Partial<GatewayRoute> = {}): GatewayRoute => ({
  name: 'api',
  prefix: '/api',
  priority: 1,
  url,
  ...extra,
});

/**
 * A node:http service that records every request it receives in full; `answer` replies (by default it echoes
 * the request as JSON). `received` counts attempts, including the ones `answer` cuts off.
 */
async function service(
  answer: (request: Received, res: ServerResponse, attempt: number) => void = (request, res) => echo(request, res),
): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      received.push(request);
      answer(request, res, received.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

function echo(request: Received, res: ServerResponse): void {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(request));
}

/** Resets the connection of the first `times` attempts before any response, then echoes. */
const resetting = (times: number) =>
  service((request, res, attempt) => (attempt <= times ? res.socket?.resetAndDestroy() : echo(request, res)));

/** Accepts connections and never answers. */
async function hanging(): Promise<string> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => server.close(resolve));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request with node:http, which, unlike fetch, can send `Expect: 100-continue` and wait for the 100. */
function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : Buffer.from(options.body);
    const headers: Record<string, string> = {
      ...(body ? { 'content-length': String(body.length) } : {}),
      ...options.headers,
    };
    const req = httpRequest(url, { method: options.method ?? 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body && headers['expect'] === '100-continue') req.once('continue', () => req.end(body));
    else req.end(body);
  });
}

describe('the gateway with Expect: 100-continue, as curl sends for a large body', () => {
  it('answers 100 Continue itself and forwards the body without the Expect header', async () => {
    const upstream = await service();
    const gateway = await gatewayFor([api(upstream.url)]);

    const answer = await send(`${gateway}/api/things`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', expect: '100-continue' },
      body: 'x'.repeat(4096),
    });

    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ method: 'POST', body: 'x'.repeat(4096) });
    expect(upstream.received[0].headers['expect']).toBeUndefined();
  });

  it("gives a body far over the service's limit the service's own 413, not a 502", async () => {
    const limited = Fastify({ bodyLimit: 1024 });
    limited.post('/api/things', async () => ({ accepted: true }));
    closers.push(() => limited.close());
    const gateway = await gatewayFor([api(await limited.listen({ host: '127.0.0.1', port: 0 }))]);

    const answer = await send(`${gateway}/api/things`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', expect: '100-continue' },
      // Large enough that a streamed upload is still going when the service answers 413 and closes.
      body: JSON.stringify({ padding: 'x'.repeat(8 * 1024 * 1024) }),
    });

    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toEqual({
      statusCode: 413,
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
      error: 'Payload Too Large',
      message: 'Request body is too large',
    });
  });
});

describe('the gateway forwarding a body', () => {
  it('sends a JSON body byte for byte, not re-encoded', async () => {
    const upstream = await service();
    const gateway = await gatewayFor([api(upstream.url)]);

    await send(`${gateway}/api/things`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: '{ "a" : 1 }',
    });

    expect(upstream.received[0]).toMatchObject({
      body: '{ "a" : 1 }',
      headers: { 'content-type': 'application/json; charset=utf-8', 'content-length': '11' },
    });
  });

  it('answers a body larger than any service may accept with the kit-shaped 413 itself, unread', async () => {
    const upstream = await service();
    const gateway = await gatewayFor([api(upstream.url)]);

    const answer = await send(`${gateway}/api/upload`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(101 * 1024 * 1024) },
    });

    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toEqual({
      statusCode: 413,
      error: 'Payload Too Large',
      message: 'Request body is too large',
    });
    expect(upstream.received).toHaveLength(0);
  });
});

describe('the gateway in front of a service that is down or hangs', () => {
  it('answers 502 in the kit shape, with no internal address, when nothing listens', async () => {
    const gateway = await gatewayFor([api(`http://127.0.0.1:${await freePort()}`)]);

    const answer = await send(`${gateway}/api/things`);

    expect(answer.status).toBe(502);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(answer.body)).toEqual({
      statusCode: 502,
      error: 'Bad Gateway',
      message: 'The service routed at this path could not be reached',
    });
  });

  it('logs the real cause of a 502, which the caller does not see', async () => {
    const port = await freePort();
    const lines: string[] = [];
    const gateway = await gatewayFor([api(`http://127.0.0.1:${port}`)], { log: (line) => lines.push(line) });

    await send(`${gateway}/api/things`);

    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^GET /api/things → api: 502: .*127\\.0\\.0\\.1:${port}`)),
    ]);
    expect(lines[0]).toContain('ECONNREFUSED');
  });

  it('answers 504 in the kit shape once the timeout passes, and not later', async () => {
    const gateway = await gatewayFor([api(await hanging())], { upstreamTimeoutMs: 300 });
    const started = Date.now();

    const answer = await send(`${gateway}/api/slow`);

    expect(answer.status).toBe(504);
    expect(JSON.parse(answer.body)).toEqual({
      statusCode: 504,
      error: 'Gateway Timeout',
      message: 'The service routed at this path did not answer within 0.3 s',
    });
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});

describe('the gateway retrying a request whose connection failed before a response', () => {
  it.each(['GET', 'HEAD', 'OPTIONS', 'DELETE'])('retries a %s once, and it succeeds', async (method) => {
    const upstream = await resetting(1);
    const gateway = await gatewayFor([api(upstream.url)]);

    const answer = await send(`${gateway}/api/things`, { method });

    expect(answer.status).toBe(200);
    expect(upstream.received.map((request) => request.method)).toEqual([method, method]);
  });

  it('retries a PUT once with its whole body', async () => {
    const upstream = await resetting(1);
    const gateway = await gatewayFor([api(upstream.url)]);

    const answer = await send(`${gateway}/api/things/7`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{"name":"seven"}',
    });

    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ method: 'PUT', body: '{"name":"seven"}' });
    expect(upstream.received).toHaveLength(2);
  });

  it.each(['POST', 'PATCH'])('never retries a %s: it answers 502 after one attempt', async (method) => {
    const upstream = await resetting(1);
    const gateway = await gatewayFor([api(upstream.url)]);

    const answer = await send(`${gateway}/api/things`, { method, body: '{}' });

    expect(answer.status).toBe(502);
    expect(JSON.parse(answer.body)).toEqual({
      statusCode: 502,
      error: 'Bad Gateway',
      message: 'The service routed at this path could not be reached',
    });
    expect(upstream.received).toHaveLength(1);
  });

  it('retries only once: a second reset gives 502', async () => {
    const upstream = await resetting(5);
    const gateway = await gatewayFor([api(upstream.url)]);

    const answer = await send(`${gateway}/api/things`);

    expect(answer.status).toBe(502);
    expect(upstream.received).toHaveLength(2);
  });

  it("passes a service's own 503 through, without retrying it", async () => {
    const upstream = await service((_request, res) => {
      res.writeHead(503, { 'content-type': 'application/json' }).end('{"status":"draining"}');
    });
    const gateway = await gatewayFor([api(upstream.url)]);

    const answer = await send(`${gateway}/api/ready`);

    expect(answer.status).toBe(503);
    expect(answer.body).toBe('{"status":"draining"}');
    expect(upstream.received).toHaveLength(1);
  });
});

describe("the gateway's own failures", () => {
  it('answers 500 in the kit shape without the error, and logs the error', async () => {
    const lines: string[] = [];
    const gateway = await gatewayFor([], {
      routes: () => {
        throw new Error('/home/dev/.gantry/local-env/state.json is not valid JSON');
      },
      log: (line) => lines.push(line),
    });

    const answer = await send(`${gateway}/api/things`);

    expect(answer.status).toBe(500);
    expect(JSON.parse(answer.body)).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'The gateway could not handle this request',
    });
    expect(lines).toEqual(['GET /api/things → 500: /home/dev/.gantry/local-env/state.json is not valid JSON']);
  });
});

describe('the gateway routing by readiness', () => {
  it('answers 503 in the kit shape for a route with no ready instance, and never reaches it', async () => {
    const upstream = await service();
    const gateway = await gatewayFor([api(upstream.url, { healthy: false })]);

    const answer = await send(`${gateway}/api/things`);

    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body)).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'The service routed at this path has no ready instance',
    });
    expect(upstream.received).toHaveLength(0);
  });

  it('still sends test traffic to the new version while the old one is not ready', async () => {
    const old = await service();
    const next = await service();
    const gateway = await gatewayFor([api(old.url, { healthy: false, testUrl: next.url })]);

    const answer = await send(`${gateway}/api/things`, { headers: { [TEST_TRAFFIC_HEADER]: '1' } });

    expect(answer.status).toBe(200);
    expect(next.received).toHaveLength(1);
  });
});

describe('the X-Forwarded-* headers a service receives', () => {
  it("appends the caller's address to an X-Forwarded-For it already has", async () => {
    const upstream = await service();
    const gateway = await gatewayFor([api(upstream.url)]);

    await send(`${gateway}/api/things`, { headers: { 'x-forwarded-for': '203.0.113.7' } });

    expect(upstream.received[0].headers['x-forwarded-for']).toBe('203.0.113.7, 127.0.0.1');
  });

  it("starts X-Forwarded-For with the caller's address, and sets the protocol and the gateway's port", async () => {
    const upstream = await service();
    const gateway = await gatewayFor([api(upstream.url)]);

    await send(`${gateway}/api/things`);

    expect(upstream.received[0].headers).toMatchObject({
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-proto': 'http',
      'x-forwarded-port': new URL(gateway).port,
    });
  });
});

describe('the /_gantry page', () => {
  it('answers 200 and shows a service as down while it closes and answers 503 to everything', async () => {
    // What a kit service says on a kept-alive connection once it has begun to close (return503OnClosing).
    const closing = await service((_request, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{"error":"Service Unavailable","message":"Service Unavailable","statusCode":503}');
    });
    const gateway = await gatewayFor([api(closing.url)], {
      status: async () => [await statusOf({ name: 'api', prefix: '/api', url: closing.url })],
    });

    const answer = await send(`${gateway}/_gantry`);

    expect(answer.status).toBe(200);
    expect(answer.body).toContain(
      '<tr><td>api</td><td><a href="/api">/api</a></td><td class="bad">down (HTTP 503)</td>',
    );
  });

  it('answers 200 with the reason when the status rows cannot be read', async () => {
    const gateway = await gatewayFor([], {
      status: () => Promise.reject(new Error('state file unreadable')),
    });

    const answer = await send(`${gateway}/_gantry`);

    expect(answer.status).toBe(200);
    expect(answer.body).toContain('<p class="bad">status unavailable: state file unreadable</p>');
  });
});
