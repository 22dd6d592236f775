import Fastify, { type FastifyInstance } from 'fastify';
import { checkService } from './check-service';

// A real server stands in for the load balancer: the test route (a header) reaches the new version.
describe('checkService', () => {
  let app: FastifyInstance;
  let url: string;

  beforeAll(async () => {
    app = Fastify();
    app.get('/hello/health', async (request, reply) =>
      request.headers['x-test'] ? { status: 'ok' } : reply.code(503).send({}),
    );
    app.get('/hello/version', async (request) => ({ version: request.headers['x-test'] ? '0.3.0' : '0.2.0' }));
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => app.close());

  it('passes when health answers 200 and the version is the one expected, through the route the headers pick', async () => {
    expect(
      await checkService(url, { service: 'hello', prefix: '/hello', version: '0.3.0' }, { 'x-test': '1' }),
    ).toBeNull();
  });

  it('says which check failed and what it saw', async () => {
    expect(await checkService(url, { service: 'hello', prefix: '/hello', version: '0.3.0' })).toBe(
      'GET /hello/health answered 503',
    );
    expect(await checkService(url, { service: 'hello', prefix: '/hello', version: '0.4.0' }, { 'x-test': '1' })).toBe(
      'GET /hello/version reports 0.3.0, expected 0.4.0',
    );
    expect(await checkService('http://127.0.0.1:9', { service: 'hello', prefix: '/hello', version: '1' })).toMatch(
      /^http:\/\/127\.0\.0\.1:9\/hello: fetch failed/,
    );
  });
});
