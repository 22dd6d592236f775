import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Quote, QuoteRequest } from '@gantry/catalog-contract';
import { errorBody, type RouteOptions, type ServiceConfig } from '@gantry/service-kit';
import { Type } from '@sinclair/typebox';
import { CatalogClient } from './catalog-client';
import type { PricingConfig } from './config';
import { priceQuote } from './quote';

const ErrorBody = Type.Object({ statusCode: Type.Integer(), error: Type.String(), message: Type.String() });

type Options = RouteOptions<ServiceConfig<(typeof PricingConfig)['properties']>>;

export const quoteRoutes: FastifyPluginAsyncTypebox<Options> = async (app, { config }) => {
  const catalog = new CatalogClient({
    baseUrl: config.CATALOG_URL,
    timeoutMs: config.CATALOG_TIMEOUT_MS,
    retries: config.CATALOG_RETRIES,
  });

  app.post(
    '/quotes',
    {
      schema: {
        body: QuoteRequest,
        response: { 200: Quote, 400: ErrorBody, 422: ErrorBody, 502: ErrorBody, 504: ErrorBody },
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
      const products = await catalog.productsById(ids, request.id);
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
