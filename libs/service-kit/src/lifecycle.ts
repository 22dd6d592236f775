import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export type Lifecycle = 'starting' | 'ready' | 'draining';

declare module 'fastify' {
  interface FastifyInstance {
    /** Where the service is in its life: readiness answers 200 only while `ready`; `draining` closes every connection. */
    lifecycle: { state: Lifecycle };
  }
}

/** The service's life: `starting` until the socket accepts connections, `draining` from the shutdown signal on. */
export const lifecyclePlugin = fp(
  async function lifecycle(app: FastifyInstance) {
    app.decorate('lifecycle', { state: 'starting' as Lifecycle });
    app.addHook('onListen', async () => {
      if (app.lifecycle.state === 'starting') app.lifecycle.state = 'ready';
    });
  },
  { name: 'gantry-lifecycle' },
);
