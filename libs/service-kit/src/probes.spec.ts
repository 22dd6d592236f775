import Fastify, { type FastifyInstance } from 'fastify';
import { lifecyclePlugin } from './lifecycle';
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

  it('answers readiness with 503 in the error shape before the service listens', async () => {
    const response = await app.inject({ method: 'GET', url: '/demo/ready' });

    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'not ready: starting',
    });
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

  it('answers readiness with 503 in the error shape once shutdown has begun', async () => {
    await listenOnLoopback(app);
    app.lifecycle.state = 'draining';

    const response = await app.inject({ method: 'GET', url: '/demo/ready' });

    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'not ready: draining',
    });
  });

  it('answers readiness with 503 naming a dependency whose check fails, and liveness stays 200', async () => {
    await listenOnLoopback(app);
    app.lifecycle.dependencies.set('database', () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432')));

    const ready = await app.inject({ method: 'GET', url: '/demo/ready' });
    const health = await app.inject({ method: 'GET', url: '/demo/health' });

    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'not ready: database is unavailable',
    });
    expect(health.statusCode).toBe(200);
  });

  it('counts a dependency that does not answer within a second as unavailable', async () => {
    await listenOnLoopback(app);
    app.lifecycle.dependencies.set(
      'database',
      (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
    );

    const ready = await app.inject({ method: 'GET', url: '/demo/ready' });

    expect(ready.statusCode).toBe(503);
    expect(ready.json().message).toBe('not ready: database is unavailable');
  });

  it('keeps liveness at 200 while draining', async () => {
    await listenOnLoopback(app);
    app.lifecycle.state = 'draining';

    const response = await app.inject({ method: 'GET', url: '/demo/health' });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
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
    await app.register(lifecyclePlugin);
    await app.register(probesPlugin, {
      prefix: '/shop',
      build: { name: 'shop', version: '0.0.1', commit: 'c', builtAt: 'b' },
    });
    try {
      const health = await app.inject({ method: 'GET', url: '/shop/health' });
      const ready = await app.inject({ method: 'GET', url: '/shop/ready' });
      const version = await app.inject({ method: 'GET', url: '/shop/version' });

      expect(health.json()).toEqual({ status: 'ok' });
      expect(ready.json()).toEqual({ statusCode: 503, error: 'Service Unavailable', message: 'not ready: starting' });
      expect(version.json()).toEqual({ name: 'shop', version: '0.0.1', commit: 'c', builtAt: 'b' });
    } finally {
      await app.close();
    }
  });
});

describe('probesPlugin without the lifecycle plugin', () => {
  it('refuses to register, naming the missing plugin', async () => {
    const app = Fastify({ logger: false });
    await expect(
      app.register(probesPlugin, {
        prefix: '/shop',
        build: { name: 'shop', version: '0.0.1', commit: 'c', builtAt: 'b' },
      }),
    ).rejects.toThrow("The dependency 'gantry-lifecycle' of plugin 'gantry-probes' is not registered");
  });
});
