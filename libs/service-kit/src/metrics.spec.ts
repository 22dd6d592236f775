import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { startMetricsServer } from './metrics';
import { demo, listenOnLoopback, send } from './test-fixture';
import { buildTestService } from './testing';

function metricsUrl(server: FastifyInstance): string {
  return `http://127.0.0.1:${(server.server.address() as AddressInfo).port}/metrics`;
}

describe('metrics', () => {
  let app: FastifyInstance;
  let metricsServer: FastifyInstance;

  beforeEach(async () => {
    app = await buildTestService(demo);
    metricsServer = await startMetricsServer(app, '127.0.0.1', 0);
  });
  afterEach(async () => {
    await metricsServer.close();
    await app.close();
  });

  it('serves Prometheus text with the request histogram after a request to the service', async () => {
    await app.inject({ method: 'POST', url: '/demo/echo', payload: { n: 1 } });

    const response = await send(metricsUrl(metricsServer));

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(response.body).toContain('# TYPE http_request_duration_seconds histogram');
    expect(response.body).toContain(
      'http_request_duration_seconds_count{method="POST",route="/demo/echo",status_code="200"} 1\n',
    );
  });

  it('labels failed requests with their status code', async () => {
    await app.inject({ method: 'GET', url: '/demo/upstream' });
    await app.inject({ method: 'GET', url: '/demo/upstream' });

    const response = await send(metricsUrl(metricsServer));

    expect(response.body).toContain(
      'http_request_duration_seconds_count{method="GET",route="/demo/upstream",status_code="502"} 2\n',
    );
  });

  it('does not record unknown routes, so scanners cannot blow up label cardinality', async () => {
    await app.inject({ method: 'GET', url: '/demo/does-not-exist-1' });

    const response = await send(metricsUrl(metricsServer));

    expect(response.body).not.toContain('does-not-exist');
    expect(response.body).not.toContain('status_code="404"');
  });

  it('includes default process metrics', async () => {
    const response = await send(metricsUrl(metricsServer));

    expect(response.body).toContain('# TYPE process_cpu_user_seconds_total counter');
    expect(response.body).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
  });

  it('answers only /metrics on the metrics port', async () => {
    const response = await send(metricsUrl(metricsServer).replace('/metrics', '/demo/health'));

    expect(response.status).toBe(404);
  });

  it('answers 404 for /metrics on the service port', async () => {
    const base = await listenOnLoopback(app);

    const response = await send(`${base}/metrics`);

    expect(response.status).toBe(404);
    expect(JSON.parse(response.body)).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'Route GET /metrics not found',
    });
  });
});

describe('metrics of two services in one process', () => {
  it('keeps the request counts of each service apart', async () => {
    const first = await buildTestService(demo);
    const second = await buildTestService(demo);
    const firstMetrics = await startMetricsServer(first, '127.0.0.1', 0);
    const secondMetrics = await startMetricsServer(second, '127.0.0.1', 0);
    try {
      await first.inject({ method: 'POST', url: '/demo/echo', payload: { n: 1 } });
      await second.inject({ method: 'GET', url: '/demo/health' });
      await second.inject({ method: 'GET', url: '/demo/health' });

      const firstText = (await send(metricsUrl(firstMetrics))).body;
      const secondText = (await send(metricsUrl(secondMetrics))).body;

      expect(firstText).toContain(
        'http_request_duration_seconds_count{method="POST",route="/demo/echo",status_code="200"} 1\n',
      );
      expect(firstText).not.toContain('route="/demo/health"');
      expect(secondText).toContain(
        'http_request_duration_seconds_count{method="GET",route="/demo/health",status_code="200"} 2\n',
      );
      expect(secondText).not.toContain('route="/demo/echo"');
    } finally {
      await Promise.all([firstMetrics.close(), secondMetrics.close()]);
      await Promise.all([first.close(), second.close()]);
    }
  });
});
