import { Type, type Static } from '@sinclair/typebox';
import { ProductId } from './product';

export const QuoteRequest = Type.Object(
  {
    items: Type.Array(
      Type.Object(
        { productId: ProductId, quantity: Type.Integer({ minimum: 1, maximum: 1000 }) },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 50 },
    ),
  },
  { additionalProperties: false },
);
export type QuoteRequest = Static<typeof QuoteRequest>;

export const QuoteLine = Type.Object({
  productId: ProductId,
  name: Type.String(),
  quantity: Type.Integer(),
  unitPriceCents: Type.Integer(),
  discountCents: Type.Integer(),
  lineTotalCents: Type.Integer(),
});

export const Quote = Type.Object({
  quoteId: Type.String(),
  currency: Type.Literal('EUR'),
  lines: Type.Array(QuoteLine),
  subtotalCents: Type.Integer(),
  discountCents: Type.Integer(),
  totalCents: Type.Integer(),
  createdAt: Type.String(),
});
export type Quote = Static<typeof Quote>;
export type QuoteLine = Static<typeof QuoteLine>;
