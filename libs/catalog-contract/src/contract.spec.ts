import { Value } from '@sinclair/typebox/value';
import { KindGuard, type TSchema } from '@sinclair/typebox';
import { MAX_OFFSET, MAX_PRICE_CENTS, Product, ProductQuery, QuoteRequest } from './index';

const hammer = {
  id: 'sku-001',
  name: 'Claw hammer',
  category: 'tools',
  priceCents: 1899,
  currency: 'EUR',
  inStock: true,
};

describe('the catalog contract', () => {
  it('accepts a well-formed product', () => {
    expect(Value.Check(Product, hammer)).toBe(true);
  });

  it('rejects a product with a fractional price, an unknown currency or an extra field', () => {
    expect(Value.Check(Product, { ...hammer, priceCents: 18.99 })).toBe(false);
    expect(Value.Check(Product, { ...hammer, currency: 'USD' })).toBe(false);
    expect(Value.Check(Product, { ...hammer, discount: 5 })).toBe(false);
  });

  it('only accepts product ids shaped like sku-NNN', () => {
    expect(Value.Check(Product, { ...hammer, id: 'SKU-001' })).toBe(false);
    expect(Value.Check(Product, { ...hammer, id: 'sku-1' })).toBe(false);
  });

  it('bounds every integer of a product query at both ends, as the service kit requires of query strings', () => {
    const integers = Object.entries(ProductQuery.properties as Record<string, TSchema>).filter(([, schema]) =>
      KindGuard.IsInteger(schema),
    );

    expect(
      Object.fromEntries(integers.map(([name, schema]) => [name, [schema['minimum'], schema['maximum']]])),
    ).toEqual({
      minPriceCents: [0, MAX_PRICE_CENTS],
      maxPriceCents: [0, MAX_PRICE_CENTS],
      limit: [1, 100],
      offset: [0, MAX_OFFSET],
    });
  });

  it('caps prices so that the largest quote is still an exact integer number of cents', () => {
    const largestQuote = MAX_PRICE_CENTS * 1000 * 50;

    expect(Number.isSafeInteger(largestQuote)).toBe(true);
    expect(Value.Check(Product, { ...hammer, priceCents: MAX_PRICE_CENTS })).toBe(true);
    expect(Value.Check(Product, { ...hammer, priceCents: MAX_PRICE_CENTS + 1 })).toBe(false);
  });

  it('defaults a product query to the first 20 items', () => {
    expect(Value.Default(ProductQuery, {})).toEqual({ limit: 20, offset: 0 });
  });

  it('bounds a quote request to 1-50 items of 1-1000 each', () => {
    const item = (quantity: number) => ({ productId: 'sku-001', quantity });

    expect(Value.Check(QuoteRequest, { items: [item(1)] })).toBe(true);
    expect(Value.Check(QuoteRequest, { items: [] })).toBe(false);
    expect(Value.Check(QuoteRequest, { items: [item(1001)] })).toBe(false);
    expect(Value.Check(QuoteRequest, { items: Array.from({ length: 51 }, () => item(1)) })).toBe(false);
  });
});
