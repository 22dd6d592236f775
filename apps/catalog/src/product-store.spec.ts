import type { Product, ProductQuery } from '@gantry/catalog-contract';
import { ProductStore } from './product-store';

const SOURCE = 'test/products.json';

function product(n: number, overrides: Partial<Product> = {}): Product {
  return {
    id: `sku-${String(n).padStart(3, '0')}`,
    name: `Product ${n}`,
    category: n % 2 === 0 ? 'even' : 'odd',
    priceCents: n * 100,
    currency: 'EUR',
    inStock: n % 3 !== 0,
    ...overrides,
  };
}

function without(record: Product, field: keyof Product): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...record };
  delete copy[field];
  return copy;
}

const query = (overrides: Partial<ProductQuery> = {}): ProductQuery => ({ limit: 20, offset: 0, ...overrides });

function fromDataError(data: unknown): string {
  try {
    ProductStore.fromData(SOURCE, data);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected ProductStore.fromData to throw');
}

describe('ProductStore.fromData', () => {
  it('accepts valid data', () => {
    const store = ProductStore.fromData(SOURCE, [product(1), product(2)]);

    expect(store.get('sku-002')).toEqual(product(2));
  });

  it.each<[string, unknown, string]>([
    ['data that is not an array', { products: [] }, `${SOURCE}: invalid product data at /: Expected array`],
    ['an empty dataset', [], `${SOURCE}: invalid product data at /: Expected array length to be greater or equal to 1`],
    [
      'a malformed id',
      [product(1), { ...product(2), id: 'SKU-2' }],
      `${SOURCE}: invalid product data at /1/id: Expected string to match '^sku-[0-9]{3,6}$'`,
    ],
    [
      'a fractional price',
      [{ ...product(1), priceCents: 19.99 }],
      `${SOURCE}: invalid product data at /0/priceCents: Expected integer`,
    ],
    [
      'a negative price',
      [{ ...product(1), priceCents: -1 }],
      `${SOURCE}: invalid product data at /0/priceCents: Expected integer to be greater or equal to 0`,
    ],
    [
      'a currency other than EUR',
      [{ ...product(1), currency: 'USD' }],
      `${SOURCE}: invalid product data at /0/currency: Expected 'EUR'`,
    ],
    [
      'a missing name',
      [without(product(1), 'name')],
      `${SOURCE}: invalid product data at /0/name: Expected required property`,
    ],
    [
      'an unknown field',
      [{ ...product(1), colour: 'red' }],
      `${SOURCE}: invalid product data at /0/colour: Unexpected property`,
    ],
  ])('rejects %s, naming the source and the record', (_, data, message) => {
    expect(fromDataError(data)).toBe(message);
  });

  it('rejects a product id that appears twice', () => {
    const data = [product(1), product(2), { ...product(1), name: 'Another hammer' }];

    expect(fromDataError(data)).toBe(`${SOURCE}: product id sku-001 appears twice`);
  });
});

describe('ProductStore', () => {
  const store = ProductStore.fromData(
    SOURCE,
    Array.from({ length: 9 }, (_, i) => product(i + 1)),
  );
  const ids = (q: Partial<ProductQuery>) => store.list(query(q)).items.map((p) => p.id);

  it('returns undefined for an unknown id', () => {
    expect(store.get('sku-100')).toBeUndefined();
  });

  it('lists everything in dataset order by default', () => {
    expect(store.list(query())).toEqual({
      items: Array.from({ length: 9 }, (_, i) => product(i + 1)),
      total: 9,
      limit: 20,
      offset: 0,
    });
  });

  it('pages after filtering, keeping the filtered total', () => {
    expect(store.list(query({ category: 'odd', limit: 2, offset: 1 }))).toEqual({
      items: [product(3), product(5)],
      total: 5,
      limit: 2,
      offset: 1,
    });
  });

  it('treats both price bounds as inclusive', () => {
    expect(ids({ minPriceCents: 300, maxPriceCents: 500 })).toEqual(['sku-003', 'sku-004', 'sku-005']);
  });

  it('filters on inStock false as well as true', () => {
    expect(ids({ inStock: false })).toEqual(['sku-003', 'sku-006', 'sku-009']);
    expect(ids({ inStock: true })).toHaveLength(6);
  });

  it('matches q anywhere in the name, ignoring case', () => {
    expect(ids({ q: 'pRODUCT 7' })).toEqual(['sku-007']);
  });

  it('restricts to the given ids and ignores unknown ones', () => {
    expect(ids({ ids: ['sku-009', 'sku-001', 'sku-500'] })).toEqual(['sku-001', 'sku-009']);
  });

  it('combines every filter with AND', () => {
    expect(
      ids({ category: 'even', inStock: true, minPriceCents: 400, ids: ['sku-002', 'sku-004', 'sku-006', 'sku-008'] }),
    ).toEqual(['sku-004', 'sku-008']);
  });
});
