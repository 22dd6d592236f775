import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { errorBody, ErrorBodySchema } from './errors';

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

/** A dependency that has not answered readiness's check by then counts as down. */
const DEPENDENCY_TIMEOUT_MS = 1_000;

const Status = Type.Object({ status: Type.String() });
const Version = Type.Object({
  name: Type.String(),
  version: Type.String(),
  commit: Type.String(),
  builtAt: Type.String(),
});

/**
 * Liveness, readiness and version routes under the service prefix. Liveness answers 200 while the process
 * can answer at all; readiness, which the load balancer judges, answers 503 in the error shape while the
 * service starts, drains or is overloaded. Neither is shed: readiness reports the overload itself.
 */
/** The first dependency whose check fails, as readiness's reason; its error is logged, not shown. */
async function downDependency(app: FastifyInstance): Promise<string | undefined> {
  for (const [name, check] of app.lifecycle.dependencies) {
    try {
      await check(AbortSignal.timeout(DEPENDENCY_TIMEOUT_MS));
    } catch (error) {
      app.log.warn({ err: error, dependency: name }, `readiness: ${name} is unavailable`);
      return `${name} is unavailable`;
    }
  }
  return undefined;
}

export const probesPlugin = fp<ProbesOptions>(
  async function probes(app: FastifyInstance, opts) {
    const overloaded = app.hasDecorator('overloaded') ? () => app.overloaded() : () => false;
    const config = { loadShedding: false };

    app.get(`${opts.prefix}/health`, { config, schema: { response: { 200: Status } } }, async () => ({
      status: 'ok',
    }));

    app.get(
      `${opts.prefix}/ready`,
      { config, schema: { response: { 200: Status, 503: ErrorBodySchema } } },
      async (_request, reply) => {
        const state = app.lifecycle.state;
        const reason = state !== 'ready' ? state : overloaded() ? 'overloaded' : await downDependency(app);
        if (reason !== undefined) return reply.code(503).send(errorBody(503, `not ready: ${reason}`));
        return { status: 'ready' };
      },
    );

    app.get(`${opts.prefix}/version`, { schema: { response: { 200: Version } } }, async () => opts.build);
  },
  { name: 'gantry-probes', dependencies: ['gantry-lifecycle'] },
);
