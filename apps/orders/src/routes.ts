import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { createPool, databaseReadiness, whileDatabaseUp } from '@gantry/database';
import { ErrorBodySchema, errorBody, type RouteOptions, type ServiceConfig } from '@gantry/service-kit';
import type { FastifyReply } from 'fastify';
import type { OrdersConfig } from './config';
import { OrderStore } from './order-store';
import {
  IdempotencyHeaders,
  IfMatchHeaders,
  Order,
  OrderListQuery,
  OrderPage,
  OrderParams,
  OrderPatch,
  OrderRequest,
} from './order-schemas';
import { PricingClient, QuoteRejectedError } from './pricing-client';
import { requestHash } from './request-hash';
import { TRANSITIONS } from './status-transitions';

type Options = RouteOptions<ServiceConfig<(typeof OrdersConfig)['properties']>>;

const E = ErrorBodySchema;

function withVersion(reply: FastifyReply, order: Order): Order {
  void reply.header('etag', `"${order.version}"`);
  return order;
}

export const ordersRoutes: FastifyPluginAsyncTypebox<Options> = async (app, { config }) => {
  const pool = createPool(config, 'orders', app.log);
  const store = new OrderStore(pool);
  const pricing = new PricingClient(config.PRICING_URL, config.PRICING_TIMEOUT_MS);
  app.lifecycle.dependencies.set('database', databaseReadiness(pool));
  app.addHook('onClose', () => pool.end());

  app.post(
    '',
    {
      schema: {
        headers: IdempotencyHeaders,
        body: OrderRequest,
        response: { 201: Order, 400: E, 409: E, 422: E, 502: E, 503: E, 504: E },
      },
    },
    async (request, reply) => {
      const key = request.headers['idempotency-key'];
      const hash = requestHash(request.body);
      // A retry finds its order without pricing it again.
      const earlier = key === undefined ? undefined : await whileDatabaseUp(() => store.findByKey(key));
      if (earlier && earlier.requestHash !== hash) {
        return reply.code(409).send(errorBody(409, `Idempotency-Key "${key}" was already used with a different body`));
      }
      if (earlier) return reply.code(201).header('idempotent-replayed', 'true').send(withVersion(reply, earlier.order));

      let quote;
      try {
        quote = await pricing.quote({ items: request.body.items }, request.id);
      } catch (error) {
        if (error instanceof QuoteRejectedError)
          return reply.code(error.statusCode).send(errorBody(error.statusCode, error.message));
        throw error;
      }
      const placed = await whileDatabaseUp(() =>
        store.place(quote, request.body.note, key === undefined ? undefined : { key, requestHash: hash }),
      );
      if (placed.outcome === 'key-reused') {
        return reply.code(409).send(errorBody(409, `Idempotency-Key "${key}" was already used with a different body`));
      }
      if (placed.outcome === 'replayed') void reply.header('idempotent-replayed', 'true');
      return reply.code(201).send(withVersion(reply, placed.order));
    },
  );

  app.get(
    '/:id',
    { schema: { params: OrderParams, response: { 200: Order, 400: E, 404: E, 503: E } } },
    async (request, reply) => {
      const order = await whileDatabaseUp(() => store.get(request.params.id));
      if (!order) return reply.code(404).send(errorBody(404, `no order ${request.params.id}`));
      return withVersion(reply, order);
    },
  );

  app.get(
    '',
    { schema: { querystring: OrderListQuery, response: { 200: OrderPage, 400: E, 503: E } } },
    async (request) => whileDatabaseUp(() => store.list(request.query.limit, request.query.after)),
  );

  app.patch(
    '/:id',
    {
      schema: {
        params: OrderParams,
        headers: IfMatchHeaders,
        body: OrderPatch,
        response: { 200: Order, 400: E, 404: E, 409: E, 412: E, 428: E, 503: E },
      },
    },
    async (request, reply) => {
      const ifMatch = request.headers['if-match'];
      if (ifMatch === undefined) {
        return reply
          .code(428)
          .send(errorBody(428, 'PATCH needs an If-Match header with the order\'s version (its ETag, e.g. "1")'));
      }
      const version = Number(ifMatch.replace(/\D/g, ''));
      const { id } = request.params;
      const { status } = request.body;
      const change = await whileDatabaseUp(() => store.changeStatus(id, version, status));
      switch (change.outcome) {
        case 'changed':
          return withVersion(reply, change.order);
        case 'not-found':
          return reply.code(404).send(errorBody(404, `no order ${id}`));
        case 'stale':
          void reply.header('etag', `"${change.order.version}"`);
          return reply
            .code(412)
            .send(
              errorBody(
                412,
                `order ${id} is at version ${change.order.version}, not ${version}: read it again and retry`,
              ),
            );
        case 'not-allowed': {
          const allowed = TRANSITIONS[change.order.status];
          return reply
            .code(409)
            .send(
              errorBody(
                409,
                `an order that is ${change.order.status} cannot become ${status}; ${
                  allowed.length > 0 ? `it may become ${allowed.join(' or ')}` : 'it is final'
                }`,
              ),
            );
        }
      }
    },
  );
};
