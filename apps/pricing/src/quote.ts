import { randomUUID } from 'node:crypto';
import type { Product, Quote, QuoteLine, QuoteRequest } from '@gantry/catalog-contract';

/** Quantities at or above this get the volume discount. */
export const VOLUME_THRESHOLD = 10;
/** The volume discount in basis points (5%). */
export const VOLUME_DISCOUNT_BPS = 500;

/** Prices each line from the catalog's unit price; integer cents throughout, discounts rounded down. */
export function priceQuote(request: QuoteRequest, products: ReadonlyMap<string, Product>, now = new Date()): Quote {
  const lines: QuoteLine[] = request.items.map(({ productId, quantity }) => {
    const product = products.get(productId);
    if (!product) throw new Error(`product ${productId} was not resolved before pricing`);
    const gross = product.priceCents * quantity;
    const discountCents = quantity >= VOLUME_THRESHOLD ? Math.floor((gross * VOLUME_DISCOUNT_BPS) / 10_000) : 0;
    return {
      productId,
      name: product.name,
      quantity,
      unitPriceCents: product.priceCents,
      discountCents,
      lineTotalCents: gross - discountCents,
    };
  });
  const subtotalCents = lines.reduce((sum, line) => sum + line.unitPriceCents * line.quantity, 0);
  const discountCents = lines.reduce((sum, line) => sum + line.discountCents, 0);
  return {
    quoteId: randomUUID(),
    currency: 'EUR',
    lines,
    subtotalCents,
    discountCents,
    totalCents: subtotalCents - discountCents,
    createdAt: now.toISOString(),
  };
}
