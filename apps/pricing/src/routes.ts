import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Quote, QuoteRequest, type Product } from '@gantry/catalog-contract';
import { errorBody, type RouteOptions, type ServiceConfig } from '@gantry/service-kit';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { CatalogClient } from './catalog-client';
import type { PricingConfig } from './config';
import { priceQuote } from './quote';

const ErrorBody = Type.Object({ statusCode: Type.Integer(), error: Type.String(), message: Type.String() });

type Options = RouteOptions<ServiceConfig<(typeof PricingConfig)['properties']>>;

/** Aborts when the caller hangs up before the reply is written, so work on its behalf stops too. */
function callerGone(reply: FastifyReply): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onClose = () => {
    if (!reply.raw.writableFinished) controller.abort();
  };
  reply.raw.once('close', onClose);
  return { signal: controller.signal, dispose: () => reply.raw.off('close', onClose) };
}

export const quoteRoutes: FastifyPluginAsyncTypebox<Options> = async (app, { config }) => {
  const catalog = new CatalogClient({
    baseUrl: config.CATALOG_URL,
    timeoutMs: config.CATALOG_TIMEOUT_MS,
    deadlineMs: config.CATALOG_DEADLINE_MS,
    retries: config.CATALOG_RETRIES,
    retryBudgetPercent: config.CATALOG_RETRY_BUDGET_PERCENT,
    breakerFailures: config.CATALOG_BREAKER_FAILURES,
    breakerCooldownMs: config.CATALOG_BREAKER_COOLDOWN_MS,
    concurrency: config.CATALOG_CONCURRENCY,
    log: app.log,
  });

  app.post(
    '/quotes',
    {
      schema: {
        body: QuoteRequest,
        response: { 200: Quote, 400: ErrorBody, 422: ErrorBody, 502: ErrorBody, 503: ErrorBody, 504: ErrorBody },
      },
    },
    async (request, reply) => {
      const ids = request.body.items.map((item) => item.productId);
      const duplicate = ids.find((id, index) => ids.indexOf(id) !== index);
      if (duplicate) {
        return reply
          .code(400)
          .send(errorBody(400, `body/items lists product ${duplicate} more than once; combine the quantities`));
      }
      const caller = callerGone(reply);
      let products: Map<string, Product>;
      // A CatalogUnavailableError carries retryAfterSeconds, which the kit's error handler sends as Retry-After.
      try {
        products = await catalog.productsById(ids, { requestId: request.id, signal: caller.signal });
      } finally {
        caller.dispose();
      }
      const unknown = ids.filter((id) => !products.has(id));
      if (unknown.length > 0) {
        return reply
          .code(422)
          .send(errorBody(422, `unknown product${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`));
      }
      return priceQuote(request.body, products);
    },
  );
};
