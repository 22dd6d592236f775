import Fastify, { type FastifyInstance } from 'fastify';
import { probesPlugin } from './probes';
import { demo, listenOnLoopback, send } from './test-fixture';
import { buildTestService } from './testing';

describe('probes on the demo service', () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    app = await buildTestService(demo, { GANTRY_COMMIT: '0a1b2c3', GANTRY_BUILT_AT: '2024-05-01T12:00:00Z' });
  });
  afterAll(() => app.close());

  it('answers liveness with 200 { status: "ok" } under the prefix', async () => {
    const response = await app.inject({ method: 'GET', url: '/demo/health' });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('answers liveness even before the service listens', async () => {
    expect(app.lifecycle.state).toBe('starting');

    const response = await app.inject({ method: 'GET', url: '/demo/health' });

    expect(response.statusCode).toBe(200);
  });

  it('answers readiness with 503 { status: "starting" } before the service listens', async () => {
    const response = await app.inject({ method: 'GET', url: '/demo/ready' });

    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ status: 'starting' });
  });

  it('serves name, version, commit and build time', async () => {
    const response = await app.inject({ method: 'GET', url: '/demo/version' });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      name: 'demo',
      version: '1.2.3',
      commit: '0a1b2c3',
      builtAt: '2024-05-01T12:00:00Z',
    });
  });

  it('does not serve probes outside the prefix', async () => {
    const response = await app.inject({ method: 'GET', url: '/health' });

    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ statusCode: 404, error: 'Not Found', message: 'Route GET /health not found' });
  });
});

describe('readiness through the lifecycle', () => {
  let app: FastifyInstance;

  beforeEach(async () => {
    app = await buildTestService(demo);
  });
  afterEach(() => app.close());

  it('answers readiness with 503 before listening and 200 { status: "ready" } once it listens', async () => {
    expect((await app.inject({ method: 'GET', url: '/demo/ready' })).statusCode).toBe(503);

    const base = await listenOnLoopback(app);

    const response = await send(`${base}/demo/ready`);

    expect(app.lifecycle.state).toBe('ready');
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ status: 'ready' });
  });

  it('answers readiness with 503 { status: "draining" } once shutdown has begun', async () => {
    await listenOnLoopback(app);
    app.lifecycle.state = 'draining';

    const response = await app.inject({ method: 'GET', url: '/demo/ready' });

    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ status: 'draining' });
  });
});

describe('version probe without build variables', () => {
  it('reports "unknown" commit and build time', async () => {
    const app = await buildTestService(demo);
    try {
      const response = await app.inject({ method: 'GET', url: '/demo/version' });

      expect(response.json()).toEqual({ name: 'demo', version: '1.2.3', commit: 'unknown', builtAt: 'unknown' });
    } finally {
      await app.close();
    }
  });
});

describe('probesPlugin on its own', () => {
  it('mounts the routes under the prefix it is given', async () => {
    const app = Fastify({ logger: false });
    await app.register(probesPlugin, {
      prefix: '/shop',
      build: { name: 'shop', version: '0.0.1', commit: 'c', builtAt: 'b' },
    });
    try {
      const health = await app.inject({ method: 'GET', url: '/shop/health' });
      const version = await app.inject({ method: 'GET', url: '/shop/version' });

      expect(health.json()).toEqual({ status: 'ok' });
      expect(version.json()).toEqual({ name: 'shop', version: '0.0.1', commit: 'c', builtAt: 'b' });
    } finally {
      await app.close();
    }
  });
});
