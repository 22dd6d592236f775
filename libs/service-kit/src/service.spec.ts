import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { buildService, type ServiceDefinition } from './service';
import { loadServiceConfig } from './run';
import { demo } from './test-fixture';
import { buildTestService } from './testing';

describe('buildService', () => {
  let app: FastifyInstance;

  afterEach(() => app?.close());

  it('mounts the service routes under its prefix', async () => {
    app = await buildTestService(demo);

    const prefixed = await app.inject({ method: 'POST', url: '/demo/echo', payload: { n: 42 } });
    const bare = await app.inject({ method: 'POST', url: '/echo', payload: { n: 42 } });

    expect(prefixed.statusCode).toBe(200);
    expect(prefixed.json()).toEqual({ n: 42 });
    expect(bare.statusCode).toBe(404);
    expect(bare.json()).toEqual({ statusCode: 404, error: 'Not Found', message: 'Route POST /echo not found' });
  });

  it('coerces querystring numbers for route schemas', async () => {
    app = await buildTestService(demo);

    const response = await app.inject({ method: 'GET', url: '/demo/slow?ms=1' });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ waited: 1 });
  });

  it("passes the service's own config variables to its routes", async () => {
    const definition: ServiceDefinition = {
      ...demo,
      config: Type.Object({ GREETING: Type.String({ minLength: 1, default: 'hello' }) }),
      routes: async (routes, opts) => {
        routes.get('/config', async () => ({ greeting: opts.config['GREETING'], port: opts.config.PORT }));
      },
    };
    app = await buildService(definition, loadServiceConfig(definition, { GREETING: 'ahoy', LOG_LEVEL: 'silent' }));

    const response = await app.inject({ method: 'GET', url: '/demo/config' });

    expect(response.json()).toEqual({ greeting: 'ahoy', port: 3999 });
  });
});
