import replyFrom from '@fastify/reply-from';
import { NOT_FOUND_BODY, routeFor, TEST_TRAFFIC_HEADER } from '@gantry/service-catalog';
import Fastify, { type FastifyInstance } from 'fastify';
import { forwardedHeaders } from './forwarded-headers';
import { renderStatusPage, type StatusRow } from './status-page';
import { errorBody, isConnectionError, NO_HEALTHY_TARGET_BODY, upstreamFailure } from './upstream-failure';

export interface GatewayRoute {
  name: string;
  prefix: string;
  priority: number;
  /** Where the service listens, e.g. http://127.0.0.1:3001 */
  url: string;
  /** During a blue/green deploy, where the new version listens: requests with the test header go there. */
  testUrl?: string;
  /**
   * False while no instance of the service can take traffic (starting, draining, exited): its production
   * requests get 503, as from an ALB target group with no healthy target.
   * @default true
   */
  healthy?: boolean;
}

export interface GatewayOptions {
  /** The routes, or a function asked on every request, for a gateway whose routes change while it runs. */
  routes: readonly GatewayRoute[] | (() => readonly GatewayRoute[]);
  /** Live status rows for the /_gantry page. */
  status: () => Promise<StatusRow[]>;
  /**
   * How long a service may take to start its response, or pause in the middle of it, before the caller gets 504.
   * @default 60_000, the ALB's idle timeout
   */
  upstreamTimeoutMs?: number;
  /**
   * Gets one line per failure with its real cause, which the caller's 502, 504 or 500 leaves out.
   * @default a line on stderr
   */
  log?: (line: string) => void;
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
/** Retried once when the connection fails before a response; POST and PATCH never are. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
const RETRY_DELAY_MS = 25;
/** The largest body limit a kit service can be given (BODY_LIMIT_BYTES): no service accepts more. */
const MAX_BODY_BYTES = 100 * 1024 * 1024;

/**
 * The local stand-in for the shared ALB: the same path patterns in the same priority order, the same fixed
 * JSON 404 when no rule matches, and the same test route (TEST_TRAFFIC_HEADER: 1) to a new version during a
 * blue/green deploy. Prefixes are not stripped, as on the ALB. A service that is down answers 502, one that is
 * too slow 504 and one that is not ready 503, all in the kit's JSON shape and without internal addresses.
 */
export async function buildGateway(options: GatewayOptions): Promise<FastifyInstance> {
  const timeoutMs = options.upstreamTimeoutMs ?? 60_000;
  const log = options.log ?? ((line: string) => process.stderr.write(`gateway: ${line}\n`));
  const app = Fastify({ logger: false });
  // Bodies pass through as bytes; parsing and limits are each service's job, as behind the ALB. They are read
  // whole first: a service that rejects a body on its length (413) answers and closes while a streamed body
  // would still be uploading, and the upload's EPIPE would hide its answer behind a 502. A whole body can
  // also be sent again when a retry needs it.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES }, (_request, body, done) =>
    done(null, body),
  );
  await app.register(replyFrom, { undici: { connections: 32 } });
  // The gateway's own failures (a client that sends a broken body, a route function that throws) in the kit's shape.
  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const statusCode = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (statusCode >= 500) log(`${request.method} ${request.url} → ${statusCode}: ${error.message}`);
    const message = statusCode < 500 ? error.message : 'The gateway could not handle this request';
    return reply.code(statusCode).type('application/json').send(errorBody(statusCode, message));
  });

  app.get('/_gantry', async (_request, reply) => {
    // The page must load while services start, drain or die: it is how one finds out which.
    const page = await options.status().then(
      (rows) => renderStatusPage(rows),
      (error: Error) => renderStatusPage([], `status unavailable: ${error.message}`),
    );
    return reply.type('text/html; charset=utf-8').send(page);
  });

  app.route({
    method: [...METHODS],
    url: '/*',
    handler: async (request, reply) => {
      const route = routeFor(typeof options.routes === 'function' ? options.routes() : options.routes, request.url);
      if (!route) return reply.code(404).type('application/json').send(NOT_FOUND_BODY);
      const test = route.testUrl !== undefined && request.headers[TEST_TRAFFIC_HEADER] === '1';
      if (!test && route.healthy === false) {
        return reply.code(503).type('application/json').send(NO_HEALTHY_TARGET_BODY);
      }
      const body = request.body;
      const retryable = IDEMPOTENT.has(request.method);
      return reply.from(`${test ? route.testUrl : route.url}${request.url}`, {
        // Given explicitly, the bytes go as they came: reply-from would re-encode a JSON body it found itself.
        ...(Buffer.isBuffer(body)
          ? { body, contentType: request.headers['content-type'] ?? 'application/octet-stream' }
          : {}),
        timeout: timeoutMs,
        rewriteRequestHeaders: (incoming, headers) => forwardedHeaders(incoming.socket, headers),
        // Only a connection that failed before any response is retried: never a status code, never a timeout.
        retryDelay: ({ err, attempt }) =>
          retryable && attempt === 0 && isConnectionError(err) ? RETRY_DELAY_MS : null,
        onError: (failed, { error }) => {
          const failure = upstreamFailure(error, timeoutMs);
          log(`${request.method} ${request.url} → ${route.name}: ${failure.statusCode}: ${failure.detail}`);
          void failed.code(failure.statusCode).type('application/json').send(failure.body);
        },
      });
    },
  });
  return app;
}
