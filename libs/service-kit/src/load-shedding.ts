import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { errorBody } from './errors';

export interface LoadSheddingOptions {
  /** Event-loop lag beyond which requests get 503; 0 turns shedding off. */
  maxEventLoopDelayMs: number;
  /** How often the event loop is sampled. @default 100 */
  sampleIntervalMs?: number;
  /** How long the service stays overloaded after the last lagging sample. @default 1000 */
  holdMs?: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** True while the event loop lags beyond the limit (and for `holdMs` after). */
    overloaded(): boolean;
  }
  interface FastifyContextConfig {
    /** `false` exempts a route from load shedding (the probes: liveness must answer while the process can). */
    loadShedding?: boolean;
  }
}

export const RETRY_AFTER_SECONDS = 10;
// Answered straight from the handler: under overload, a trip through the error handler and its log would add load.
const OVERLOADED_BODY = JSON.stringify(errorBody(503, 'Service Unavailable'));

type Handler = (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) => unknown;

/**
 * Sheds load with 503 and Retry-After while the event loop lags. Hand-written instead of
 * @fastify/under-pressure, whose onRequest hook costs about 2 µs a request, 0.15× a bare Fastify request
 * (docs/decisions/0015-load-shedding-in-the-kit.md). A timer measures how late it fires, a few wake-ups
 * a second; the per-request cost is one boolean in front of each sheddable route's handler.
 */
export const loadSheddingPlugin = fp<LoadSheddingOptions>(
  async function loadShedding(app: FastifyInstance, opts) {
    const interval = opts.sampleIntervalMs ?? 100;
    const hold = opts.holdMs ?? 1000;
    let overloaded = false;
    app.decorate('overloaded', () => overloaded);
    if (opts.maxEventLoopDelayMs <= 0) return;

    let last = performance.now();
    let lastLag = -Infinity;
    const sampler = setInterval(() => {
      const now = performance.now();
      if (now - last - interval > opts.maxEventLoopDelayMs) lastLag = now;
      overloaded = now - lastLag < hold;
      last = now;
    }, interval);
    sampler.unref();
    app.addHook('onClose', async () => clearInterval(sampler));

    app.addHook('onRoute', (route) => {
      if (route.config?.loadShedding === false) return;
      const handler = route.handler as Handler;
      route.handler = function sheddable(this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
        if (!overloaded) return handler.call(this, request, reply);
        void reply
          .code(503)
          .header('retry-after', String(RETRY_AFTER_SECONDS))
          .type('application/json; charset=utf-8')
          .send(OVERLOADED_BODY);
        return undefined;
      };
    });
  },
  { name: 'gantry-load-shedding' },
);
