import { QuoteLine, QuoteRequest } from '@gantry/catalog-contract';
import { Type, type Static } from '@sinclair/typebox';

export const ORDER_STATUSES = ['placed', 'paid', 'shipped', 'delivered', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
export const OrderStatusSchema = Type.Union(ORDER_STATUSES.map((status) => Type.Literal(status)));

/** What POST /orders takes: the items a quote takes (pricing prices them), and an optional note. */
export const OrderRequest = Type.Object(
  {
    items: QuoteRequest.properties.items,
    note: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
  },
  { additionalProperties: false },
);
export type OrderRequest = Static<typeof OrderRequest>;

export const Order = Type.Object({
  id: Type.String({ format: 'uuid' }),
  status: OrderStatusSchema,
  currency: Type.String(),
  lines: Type.Array(QuoteLine),
  note: Type.Union([Type.String(), Type.Null()]),
  subtotalCents: Type.Integer(),
  discountCents: Type.Integer(),
  totalCents: Type.Integer(),
  /** Sent back as the ETag; PATCH must name it in If-Match. */
  version: Type.Integer(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
export type Order = Static<typeof Order>;

export const OrderPage = Type.Object({
  items: Type.Array(Order),
  /** Pass as `after` for the next (older) page; null on the last page. */
  next: Type.Union([Type.String(), Type.Null()]),
});

export const OrderParams = Type.Object({ id: Type.String({ format: 'uuid', description: 'an order id (a UUID)' }) });

export const OrderListQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    after: Type.Optional(Type.String({ pattern: '^[0-9]{1,18}$', description: 'a cursor from a previous page' })),
  },
  { additionalProperties: false },
);

export const OrderPatch = Type.Object({ status: OrderStatusSchema }, { additionalProperties: false });

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ pattern: '^[\\x21-\\x7e]{1,200}$' })),
});

export const IfMatchHeaders = Type.Object({
  'if-match': Type.Optional(Type.String({ pattern: '^(W/)?"?[0-9]{1,9}"?$' })),
});
