import { readProductPage } from './read-product-page';

const hammer = {
  id: 'sku-001',
  name: 'Claw hammer',
  category: 'tools',
  priceCents: 1899,
  currency: 'EUR',
  inStock: true,
};
const pageOf = (...items: unknown[]) => ({ items, total: items.length, limit: 100, offset: 0 });

describe('readProductPage', () => {
  it('reads a page that matches the contract as it is', () => {
    expect(readProductPage(pageOf(hammer))).toEqual({ page: pageOf(hammer) });
  });

  it('drops fields it does not know, on products and on the page, without touching the body it was given', () => {
    const body = { ...pageOf({ ...hammer, weightGrams: 450 }), nextCursor: 'abc' };

    expect(readProductPage(body)).toEqual({ page: pageOf(hammer) });
    expect(body.items[0]).toHaveProperty('weightGrams', 450);
  });

  it.each<[string, unknown, string]>([
    [
      'a known field of the wrong type',
      pageOf({ ...hammer, priceCents: '1899' }),
      '/items/0/priceCents: Expected integer',
    ],
    [
      'a fractional price',
      pageOf(hammer, { ...hammer, id: 'sku-002', priceCents: 18.99 }),
      '/items/1/priceCents: Expected integer',
    ],
    ['an unknown currency', pageOf({ ...hammer, currency: 'USD' }), "/items/0/currency: Expected 'EUR'"],
    [
      'a missing known field',
      pageOf({ id: 'sku-001', name: 'Claw hammer', category: 'tools', priceCents: 1899, currency: 'EUR' }),
      '/items/0/inStock: Expected required property',
    ],
    ['items that are not an array', { ...pageOf(), items: 'none' }, '/items: Expected array'],
    ['a body that is not an object', 'hello', '/: Expected object'],
  ])('still refuses %s', (_, body, problem) => {
    expect(readProductPage(body)).toEqual({ problem });
  });
});
