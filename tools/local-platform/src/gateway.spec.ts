import Fastify, { type FastifyInstance } from 'fastify';
import { TEST_TRAFFIC_HEADER } from '@gantry/service-catalog';
import { buildGateway } from './gateway';

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
