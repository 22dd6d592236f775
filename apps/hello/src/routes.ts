import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

const Greeting = Type.Object({ greeting: Type.String() });
const GreetQuery = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64, pattern: "^[\\p{L}][\\p{L} '.-]*$" }),
  },
  { additionalProperties: false },
);

export const helloRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', { schema: { response: { 200: Type.String() } } }, async (_request, reply) =>
    reply.type('text/plain; charset=utf-8').send('Hello from CI/CD!'),
  );

  app.get('/greet', { schema: { querystring: GreetQuery, response: { 200: Greeting } } }, async (request) => ({
    greeting: `Hello, ${request.query.name}!`,
  }));
};
