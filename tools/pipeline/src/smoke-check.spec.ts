import Fastify, { type FastifyInstance } from 'fastify';
import { smokeTest } from './smoke-check';

// A real HTTP server on loopback stands in for the ALB: hello is healthy at 0.2.0; pricing reports an old
// version; catalog turns ready after two 503s, as a rolling deploy does.
let app: FastifyInstance;
let url: string;
let catalogCalls = 0;

beforeAll(async () => {
  app = Fastify();
  app.get('/hello/health', async () => ({ status: 'ok' }));
  app.get('/hello/version', async () => ({ name: 'hello', version: '0.2.0', commit: 'abc', builtAt: 'now' }));
  app.get('/pricing/health', async () => ({ status: 'ok' }));
  app.get('/pricing/version', async () => ({ name: 'pricing', version: '0.1.0', commit: 'abc', builtAt: 'now' }));
  app.get('/catalog/health', async (_request, reply) =>
    ++catalogCalls <= 2 ? reply.code(503).send({}) : { status: 'ok' },
  );
  app.get('/catalog/version', async () => ({ name: 'catalog', version: '1.0.0', commit: 'abc', builtAt: 'now' }));
  url = await app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(() => app.close());

describe('smokeTest', () => {
  it('passes when each service is healthy and reports the deployed version', async () => {
    const lines: string[] = [];
    await smokeTest(url, [{ service: 'hello', prefix: '/hello', version: '0.2.0' }], {
      log: (line) => lines.push(line),
    });
    expect(lines).toEqual(['hello: healthy, reports 0.2.0']);
  });

  it('waits for a service that is still rolling out', async () => {
    await smokeTest(url, [{ service: 'catalog', prefix: '/catalog', version: '1.0.0' }], { intervalMs: 10 });
    expect(catalogCalls).toBe(3);
  });

  it('fails naming the service, the path and the version it saw', async () => {
    await expect(
      smokeTest(url, [{ service: 'pricing', prefix: '/pricing', version: '0.1.1' }], { timeoutMs: 50, intervalMs: 10 }),
    ).rejects.toThrow(
      `smoke test through ${url} failed:\n  pricing: GET /pricing/version reports 0.1.0, expected 0.1.1`,
    );
  });

  it('fails on a route the load balancer does not know', async () => {
    await expect(
      smokeTest(url, [{ service: 'orders', prefix: '/orders', version: '0.1.0' }], { timeoutMs: 0 }),
    ).rejects.toThrow('orders: GET /orders/health answered 404');
  });
});
