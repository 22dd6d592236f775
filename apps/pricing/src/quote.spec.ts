import type { Product, QuoteRequest } from '@gantry/catalog-contract';
import { priceQuote, VOLUME_DISCOUNT_BPS, VOLUME_THRESHOLD } from './quote';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const hammer: Product = {
  id: 'sku-001',
  name: 'Claw hammer',
  category: 'tools',
  priceCents: 1899,
  currency: 'EUR',
  inStock: true,
};
const drill: Product = {
  id: 'sku-002',
  name: 'Cordless drill',
  category: 'tools',
  priceCents: 8950,
  currency: 'EUR',
  inStock: true,
};
const notebook: Product = {
  id: 'sku-023',
  name: 'Notebook A5',
  category: 'office',
  priceCents: 450,
  currency: 'EUR',
  inStock: true,
};
const freebie: Product = {
  id: 'sku-900',
  name: 'Sticker',
  category: 'office',
  priceCents: 0,
  currency: 'EUR',
  inStock: true,
};

const products = new Map([hammer, drill, notebook, freebie].map((product) => [product.id, product]));
const request = (...items: Array<[string, number]>): QuoteRequest => ({
  items: items.map(([productId, quantity]) => ({ productId, quantity })),
});
const NOW = new Date('2025-03-04T05:06:07.089Z');

describe('priceQuote', () => {
  it('gives 5% off from a quantity of 10', () => {
    expect(VOLUME_THRESHOLD).toBe(10);
    expect(VOLUME_DISCOUNT_BPS).toBe(500);
  });

  it('prices a line below the threshold at the full unit price', () => {
    const quote = priceQuote(request(['sku-001', 3]), products, NOW);

    expect(quote).toEqual({
      quoteId: expect.stringMatching(UUID),
      currency: 'EUR',
      lines: [
        {
          productId: 'sku-001',
          name: 'Claw hammer',
          quantity: 3,
          unitPriceCents: 1899,
          discountCents: 0,
          lineTotalCents: 5697,
        },
      ],
      subtotalCents: 5697,
      discountCents: 0,
      totalCents: 5697,
      createdAt: '2025-03-04T05:06:07.089Z',
    });
  });

  it('gives no discount at a quantity of 9', () => {
    const [line] = priceQuote(request(['sku-001', 9]), products, NOW).lines;

    expect(line).toMatchObject({ discountCents: 0, lineTotalCents: 17091 });
  });

  it('gives the volume discount at a quantity of exactly 10, rounding half a cent down', () => {
    const [line] = priceQuote(request(['sku-001', 10]), products, NOW).lines;

    // 5% of 18990 is 949.5
    expect(line).toEqual({
      productId: 'sku-001',
      name: 'Claw hammer',
      quantity: 10,
      unitPriceCents: 1899,
      discountCents: 949,
      lineTotalCents: 18041,
    });
  });

  it.each([
    // [product, quantity, gross, 5% of gross, expected discount]
    ['sku-001', 11, 20889, '1044.45', 1044],
    ['sku-023', 17, 7650, '382.5', 382],
    ['sku-001', 21, 39879, '1993.95', 1993],
  ])(
    'rounds the discount on %s × %i (gross %i, 5%% is %s) down to %i',
    (productId, quantity, gross, _exact, discount) => {
      const [line] = priceQuote(request([productId, quantity]), products, NOW).lines;

      expect(line).toMatchObject({ discountCents: discount, lineTotalCents: gross - discount });
    },
  );

  it('rounds each line down on its own rather than the summed discount', () => {
    // 949.5 + 292.5 would round to 1242 as a sum; per line it is 949 + 292
    const quote = priceQuote(request(['sku-001', 10], ['sku-023', 13]), products, NOW);

    expect(quote.lines.map((line) => [line.discountCents, line.lineTotalCents])).toEqual([
      [949, 18041],
      [292, 5558],
    ]);
    expect(quote).toMatchObject({ subtotalCents: 24840, discountCents: 1241, totalCents: 23599 });
  });

  it('totals several lines in integer cents, keeping the request order', () => {
    const quote = priceQuote(request(['sku-023', 2], ['sku-002', 12], ['sku-001', 1]), products, NOW);

    expect(quote.lines.map((line) => line.productId)).toEqual(['sku-023', 'sku-002', 'sku-001']);
    expect(quote.lines.map((line) => line.lineTotalCents)).toEqual([900, 102030, 1899]);
    expect(quote).toMatchObject({ subtotalCents: 900 + 107400 + 1899, discountCents: 5370, totalCents: 104829 });
    for (const cents of [quote.subtotalCents, quote.discountCents, quote.totalCents]) {
      expect(Number.isInteger(cents)).toBe(true);
    }
  });

  it('prices the largest allowed quantity exactly', () => {
    const quote = priceQuote(request(['sku-002', 1000]), products, NOW);

    expect(quote).toMatchObject({ subtotalCents: 8_950_000, discountCents: 447_500, totalCents: 8_502_500 });
  });

  it('prices a free product at zero even with the volume discount', () => {
    const [line] = priceQuote(request(['sku-900', 50]), products, NOW).lines;

    expect(line).toMatchObject({ unitPriceCents: 0, discountCents: 0, lineTotalCents: 0 });
  });

  it('gives each quote a new UUID and stamps the current time by default', () => {
    const before = Date.now();
    const first = priceQuote(request(['sku-001', 1]), products);
    const second = priceQuote(request(['sku-001', 1]), products);

    expect(first.quoteId).toMatch(UUID);
    expect(second.quoteId).not.toBe(first.quoteId);
    expect(new Date(first.createdAt).toISOString()).toBe(first.createdAt);
    expect(Date.parse(first.createdAt)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(first.createdAt)).toBeLessThanOrEqual(Date.now());
  });

  it('refuses to price a product the caller did not resolve', () => {
    expect(() => priceQuote(request(['sku-001', 1], ['sku-404', 1]), products, NOW)).toThrow(
      'product sku-404 was not resolved before pricing',
    );
  });
});
