import Fastify, { type FastifyInstance } from 'fastify';
import metrics from 'fastify-metrics';
import fp from 'fastify-plugin';

/** Request and process metrics, collected on the service but never routed on its public port. */
export const metricsPlugin = fp(
  async function metricsCollector(app: FastifyInstance) {
    await app.register(metrics, {
      endpoint: null,
      // A fresh registry per instance, so several services in one test process do not collide.
      promClient: null,
      clearRegisterOnInit: true,
      routeMetrics: { enabled: { histogram: true, summary: false }, registeredRoutesOnly: true },
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
