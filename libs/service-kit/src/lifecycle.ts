import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export type Lifecycle = 'starting' | 'ready' | 'draining';

declare module 'fastify' {
  interface FastifyInstance {
    /** Where the service is in its life: readiness answers 200 only while `ready`; `draining` closes every connection. */
    lifecycle: { state: Lifecycle; dependencies: Map<string, DependencyCheck> };
  }
}

/** Resolves while a dependency the service cannot serve without (its database) answers; rejects otherwise. */
export type DependencyCheck = (signal: AbortSignal) => Promise<void>;

/**
 * The service's life: `starting` until the socket accepts connections, `draining` from the shutdown signal on.
 * Routes add the dependencies readiness must also check (`app.lifecycle.dependencies.set(name, check)`).
 */
export const lifecyclePlugin = fp(
  async function lifecycle(app: FastifyInstance) {
    app.decorate('lifecycle', { state: 'starting' as Lifecycle, dependencies: new Map<string, DependencyCheck>() });
    app.addHook('onListen', async () => {
      if (app.lifecycle.state === 'starting') app.lifecycle.state = 'ready';
    });
  },
  { name: 'gantry-lifecycle' },
);
