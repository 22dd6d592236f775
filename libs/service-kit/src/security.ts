import helmet from '@fastify/helmet';
import underPressure from '@fastify/under-pressure';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export interface SecurityOptions {
  /** Event-loop delay beyond which requests get 503; 0 turns the check off. */
  maxEventLoopDelayMs: number;
}

/** Security headers from helmet and load shedding from under-pressure (503 with Retry-After). */
export const securityPlugin = fp<SecurityOptions>(
  async function security(app: FastifyInstance, opts) {
    await app.register(helmet, { global: true });
    await app.register(underPressure, {
      maxEventLoopDelay: opts.maxEventLoopDelayMs,
      retryAfter: 10,
      exposeStatusRoute: false,
    });
  },
  { name: 'gantry-security', dependencies: ['gantry-errors'] },
);
