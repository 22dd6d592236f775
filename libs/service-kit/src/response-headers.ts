import helmet from '@fastify/helmet';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { REQUEST_ID_HEADER } from './request-id';

declare module 'fastify' {
  interface FastifyInstance {
    /** Helmet's security headers, as helmet itself writes them with the kit's options; the same on every response. */
    securityHeaders: Readonly<Record<string, string>>;
  }
}

// Helmet's headers do not depend on the request (no CSP nonces), so they are taken once from helmet's own
// output instead of running helmet's middleware, which rebuilds its whole configuration, on every request.
let helmetOutput: Promise<Readonly<Record<string, string>>> | undefined;

/** The headers `@fastify/helmet` adds to a response, read from a throwaway instance once per process. */
export function helmetHeaders(): Promise<Readonly<Record<string, string>>> {
  helmetOutput ??= (async () => {
    const probe = Fastify({ logger: false });
    await probe.register(helmet, { global: true });
    probe.get('/with', async () => 'x');
    probe.get('/without', { helmet: false }, async () => 'x');
    const [withHelmet, without] = await Promise.all([
      probe.inject({ method: 'GET', url: '/with' }),
      probe.inject({ method: 'GET', url: '/without' }),
    ]);
    await probe.close();
    const added = Object.entries(withHelmet.headers).filter(([name]) => without.headers[name] === undefined);
    return Object.freeze(Object.fromEntries(added.map(([name, value]) => [name, String(value)])));
  })();
  return helmetOutput;
}

/**
 * Puts every header the kit owns on a reply: helmet's security headers, the request id, and
 * `Connection: close` once the service is draining, so keep-alive clients stop reusing the socket.
 */
export function applyResponseHeaders(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply): void {
  void reply.headers(app.securityHeaders).header(REQUEST_ID_HEADER, request.id);
  if (app.lifecycle.state === 'draining') void reply.header('connection', 'close');
}

/** Every response carries the kit's headers, errors included; one synchronous onSend hook does it all. */
export const responseHeadersPlugin = fp(
  async function responseHeaders(app: FastifyInstance) {
    app.decorate('securityHeaders', await helmetHeaders());
    app.addHook('onSend', (request, reply, payload, done) => {
      applyResponseHeaders(app, request, reply);
      done(null, payload);
    });
  },
  { name: 'gantry-response-headers', dependencies: ['gantry-lifecycle'] },
);
