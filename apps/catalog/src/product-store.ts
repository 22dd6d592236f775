import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { Product, type ProductPage, type ProductQuery } from '@gantry/catalog-contract';

const Dataset = Type.Array(Product, { minItems: 1 });

/** The read-only product dataset with the catalog's filtering and paging rules. */
export class ProductStore {
  private readonly byId: Map<string, Product>;

  private constructor(private readonly products: readonly Product[]) {
    this.byId = new Map(products.map((product) => [product.id, product]));
  }

  /** Validates raw data; throws naming the source and the first bad record. */
  static fromData(source: string, data: unknown): ProductStore {
    const error = Value.Errors(Dataset, data).First();
    if (error) throw new Error(`${source}: invalid product data at ${error.path || '/'}: ${error.message}`);
    const products = data as Product[];
    const ids = new Set<string>();
    for (const product of products) {
      if (ids.has(product.id)) throw new Error(`${source}: product id ${product.id} appears twice`);
      ids.add(product.id);
    }
    return new ProductStore(products);
  }

  get(id: string): Product | undefined {
    return this.byId.get(id);
  }

  list(query: ProductQuery): ProductPage {
    const needle = query.q?.toLowerCase();
    const ids = query.ids ? new Set(query.ids) : undefined;
    const matches = this.products.filter(
      (product) =>
        (query.category === undefined || product.category === query.category) &&
        (query.inStock === undefined || product.inStock === query.inStock) &&
        (query.minPriceCents === undefined || product.priceCents >= query.minPriceCents) &&
        (query.maxPriceCents === undefined || product.priceCents <= query.maxPriceCents) &&
        (needle === undefined || product.name.toLowerCase().includes(needle)) &&
        (ids === undefined || ids.has(product.id)),
    );
    return {
      items: matches.slice(query.offset, query.offset + query.limit),
      total: matches.length,
      limit: query.limit,
      offset: query.offset,
    };
  }
}
