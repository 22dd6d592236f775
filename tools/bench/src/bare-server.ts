// The baseline: a bare Fastify hello-world with no kit, measured beside the kit-built hello.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/hello', async (_request, reply) => reply.type('text/plain; charset=utf-8').send('Hello from CI/CD!'));
app.listen({ host: '127.0.0.1', port: Number(process.env['PORT']) }).catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
