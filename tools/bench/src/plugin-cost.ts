import { errorsPlugin, metricsPlugin, requestIdFrom, requestIdPlugin, securityPlugin } from '@gantry/service-kit';
import autocannon from 'autocannon';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';

interface Variant {
  label: string;
  options?: FastifyServerOptions;
  setup: (app: FastifyInstance) => Promise<unknown>;
}

// One kit concern at a time on an otherwise bare hello-world, so the table says where the cost is.
const VARIANTS: Variant[] = [
  { label: 'bare', setup: async () => undefined },
  {
    label: 'security (helmet + under-pressure)',
    setup: async (app) => {
      await app.register(errorsPlugin);
      await app.register(securityPlugin, { maxEventLoopDelayMs: 1_000 });
    },
  },
  {
    label: 'metrics (fastify-metrics histogram)',
    setup: async (app) => {
      await app.register(metricsPlugin);
    },
  },
  {
    label: 'request id + JSON errors',
    options: { genReqId: requestIdFrom, requestIdHeader: false },
    setup: async (app) => {
      await app.register(errorsPlugin);
      await app.register(requestIdPlugin);
    },
  },
];

/** Requests per second of each variant, in this process, `rounds` times in alternating order. */
export async function pluginCosts(
  seconds: number,
  rounds: number,
  log: (line: string) => void,
): Promise<Map<string, number[]>> {
  const samples = new Map(VARIANTS.map((variant) => [variant.label, [] as number[]]));
  for (let round = 1; round <= rounds; round += 1) {
    for (const variant of round % 2 ? VARIANTS : [...VARIANTS].reverse()) {
      const app = Fastify({ logger: false, ...variant.options });
      await variant.setup(app);
      app.get('/hello', async (_request, reply) => reply.type('text/plain; charset=utf-8').send('Hello from CI/CD!'));
      const url = `${await app.listen({ host: '127.0.0.1', port: 0 })}/hello`;
      await autocannon({ url, duration: 1, connections: 50 });
      const result = await autocannon({ url, duration: seconds, connections: 50 });
      await app.close();
      samples.get(variant.label)?.push(result.requests.average);
      log(`round ${round} plugin cost ${variant.label}: ${result.requests.average.toFixed(0)} req/s`);
    }
  }
  return samples;
}
