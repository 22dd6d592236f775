import Fastify, { type FastifyInstance } from 'fastify';
import metrics from 'fastify-metrics';
import fp from 'fastify-plugin';
import * as promClient from 'prom-client';

/** Request and process metrics, collected on the service but never routed on its public port. */
export const metricsPlugin = fp(
  async function metricsCollector(app: FastifyInstance) {
    // A fresh registry per instance, so several services in one test process do not collide.
    // fastify-metrics would use prom-client's global registry (and clear it for every new instance),
    // so the registry is handed to it as `client.register` and to every metric it creates.
    const register = new promClient.Registry();
    await app.register(metrics, {
      endpoint: null,
      promClient: { ...promClient, register },
      defaultMetrics: { enabled: true, register },
      routeMetrics: {
        enabled: { histogram: true, summary: false },
        registeredRoutesOnly: true,
        overrides: { histogram: { registers: [register] }, summary: { registers: [register] } },
      },
    });
  },
  { name: 'gantry-metrics' },
);

/**
 * Serves Prometheus text on its own port. The load balancer only targets the service port,
 * so metrics stay off the public path without any routing rule.
 */
export async function startMetricsServer(app: FastifyInstance, host: string, port: number): Promise<FastifyInstance> {
  const server = Fastify({ logger: false });
  server.get('/metrics', async (_request, reply) => {
    const registry = app.metrics.client.register;
    return reply.type(registry.contentType).send(await registry.metrics());
  });
  await server.listen({ host, port });
  return server;
}
