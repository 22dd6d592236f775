// Bare Fastify sending the kit's security headers as constants: it separates what the headers' bytes cost
// (Node validating them, the kernel moving them over loopback) from what the kit's own code costs.
import { helmetHeaders } from '@gantry/service-kit';
import Fastify from 'fastify';

async function main(): Promise<void> {
  const headers = await helmetHeaders();
  const app = Fastify({ logger: false });
  app.get('/hello', async (_request, reply) =>
    reply
      .headers(headers)
      .header('x-request-id', crypto.randomUUID())
      .type('text/plain; charset=utf-8')
      .send('Hello from CI/CD!'),
  );
  await app.listen({ host: '127.0.0.1', port: Number(process.env['PORT']) });
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
