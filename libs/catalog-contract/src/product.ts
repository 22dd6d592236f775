import { Type, type Static } from '@sinclair/typebox';

/** The highest price a product may have: 1,000,000.00 EUR, so any quote (50 lines of 1000) stays an exact integer. */
export const MAX_PRICE_CENTS = 100_000_000;

/** How far a listing may page; deeper pages are a scan, not a use of the catalog. */
export const MAX_OFFSET = 10_000;

export const ProductId = Type.String({ pattern: '^sku-[0-9]{3,6}$', description: 'a product id like sku-001' });

export const Product = Type.Object(
  {
    id: ProductId,
    name: Type.String({ minLength: 1 }),
    category: Type.String({ minLength: 1 }),
    priceCents: Type.Integer({ minimum: 0, maximum: MAX_PRICE_CENTS }),
    currency: Type.Literal('EUR'),
    inStock: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type Product = Static<typeof Product>;

export const ProductQuery = Type.Object(
  {
    category: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 80 })),
    minPriceCents: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_PRICE_CENTS })),
    maxPriceCents: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_PRICE_CENTS })),
    inStock: Type.Optional(Type.Boolean()),
    ids: Type.Optional(Type.Array(ProductId, { minItems: 1, maxItems: 100 })),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    offset: Type.Integer({ minimum: 0, maximum: MAX_OFFSET, default: 0 }),
  },
  { additionalProperties: false },
);
export type ProductQuery = Static<typeof ProductQuery>;

export const ProductPage = Type.Object({
  items: Type.Array(Product),
  total: Type.Integer({ minimum: 0 }),
  limit: Type.Integer(),
  offset: Type.Integer(),
});
export type ProductPage = Static<typeof ProductPage>;

export const ProductParams = Type.Object({ id: ProductId });
