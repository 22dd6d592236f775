import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export type Lifecycle = 'starting' | 'ready' | 'draining';

export interface BuildInfo {
  name: string;
  version: string;
  commit: string;
  builtAt: string;
}

export interface ProbesOptions {
  prefix: string;
  build: BuildInfo;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Where the service is in its life: readiness answers 200 only while `ready`. */
    lifecycle: { state: Lifecycle };
  }
}

const Status = Type.Object({ status: Type.String() });
const Version = Type.Object({
  name: Type.String(),
  version: Type.String(),
  commit: Type.String(),
  builtAt: Type.String(),
});

/** Liveness, readiness and version routes under the service prefix. */
export const probesPlugin = fp<ProbesOptions>(
  async function probes(app: FastifyInstance, opts) {
    app.decorate('lifecycle', { state: 'starting' as Lifecycle });
    // Ready only once the socket accepts connections; draining is set by the shutdown handler.
    app.addHook('onListen', async () => {
      if (app.lifecycle.state === 'starting') app.lifecycle.state = 'ready';
    });

    app.get(`${opts.prefix}/health`, { schema: { response: { 200: Status } } }, async () => ({ status: 'ok' }));

    app.get(`${opts.prefix}/ready`, { schema: { response: { 200: Status, 503: Status } } }, async (_request, reply) => {
      const state = app.lifecycle.state;
      return reply.code(state === 'ready' ? 200 : 503).send({ status: state });
    });

    app.get(`${opts.prefix}/version`, { schema: { response: { 200: Version } } }, async () => opts.build);
  },
  { name: 'gantry-probes' },
);
