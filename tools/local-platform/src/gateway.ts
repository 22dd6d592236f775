import replyFrom from '@fastify/reply-from';
import { NOT_FOUND_BODY, routeFor, TEST_TRAFFIC_HEADER } from '@gantry/service-catalog';
import Fastify, { type FastifyInstance } from 'fastify';
import { renderStatusPage, type StatusRow } from './status-page';

export interface GatewayRoute {
  name: string;
  prefix: string;
  priority: number;
  /** Where the service listens, e.g. http://127.0.0.1:3001 */
  url: string;
  /** During a blue/green deploy, where the new version listens: requests with the test header go there. */
  testUrl?: string;
}

export interface GatewayOptions {
  /** The routes, or a function asked on every request, for a gateway whose routes change while it runs. */
  routes: readonly GatewayRoute[] | (() => readonly GatewayRoute[]);
  /** Live status rows for the /_gantry page. */
  status: () => Promise<StatusRow[]>;
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/**
 * The local stand-in for the shared ALB: the same path patterns in the same priority order, the same fixed
 * JSON 404 when no rule matches, and the same test route (TEST_TRAFFIC_HEADER: 1) to a new version during a
 * blue/green deploy. Prefixes are not stripped, as on the ALB.
 */
export async function buildGateway(options: GatewayOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  // Bodies stream through untouched; parsing and limits are each service's job, as behind the ALB.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  await app.register(replyFrom, { undici: { connections: 32 } });

  app.get('/_gantry', async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(renderStatusPage(await options.status())),
  );

  app.route({
    method: [...METHODS],
    url: '/*',
    handler: async (request, reply) => {
      const route = routeFor(typeof options.routes === 'function' ? options.routes() : options.routes, request.url);
      if (!route) return reply.code(404).type('application/json').send(NOT_FOUND_BODY);
      const test = route.testUrl !== undefined && request.headers[TEST_TRAFFIC_HEADER] === '1';
      return reply.from(`${test ? route.testUrl : route.url}${request.url}`, {
        rewriteRequestHeaders: (incoming, headers) => ({
          ...headers,
          'x-forwarded-for': incoming.socket.remoteAddress ?? '',
          'x-forwarded-proto': 'http',
        }),
      });
    },
  });
  return app;
}
