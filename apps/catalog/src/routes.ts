import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Product, ProductPage, ProductParams, ProductQuery } from '@gantry/catalog-contract';
import { errorBody, ErrorBodySchema as ErrorBody, NotFoundError } from '@gantry/service-kit';
import type { ProductStore } from './product-store';

export function productRoutes(store: ProductStore): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/products',
      { schema: { querystring: ProductQuery, response: { 200: ProductPage, 400: ErrorBody } } },
      async (request, reply) => {
        const { minPriceCents, maxPriceCents } = request.query;
        if (minPriceCents !== undefined && maxPriceCents !== undefined && minPriceCents > maxPriceCents) {
          return reply
            .code(400)
            .send(errorBody(400, 'querystring/minPriceCents must not be greater than maxPriceCents'));
        }
        return store.list(request.query);
      },
    );

    app.get(
      '/products/:id',
      { schema: { params: ProductParams, response: { 200: Product, 404: ErrorBody } } },
      async (request) => {
        const product = store.get(request.params.id);
        if (!product) throw new NotFoundError(`product ${request.params.id} does not exist`);
        return product;
      },
    );
  };
}
