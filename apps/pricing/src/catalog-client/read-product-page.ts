import { ProductPage } from '@gantry/catalog-contract';
import { Value } from '@sinclair/typebox/value';

export type PageReading = { page: ProductPage } | { problem: string };

/**
 * Tolerant reader: old and new catalog tasks run side by side during a deploy, so a field pricing does not
 * know yet must not break quotes. Unknown fields are dropped from a copy, then the known ones are checked
 * against the contract as strictly as ever.
 */
export function readProductPage(body: unknown): PageReading {
  const known: unknown = Value.Clean(ProductPage, Value.Clone(body));
  if (Value.Check(ProductPage, known)) return { page: known };
  const first = Value.Errors(ProductPage, known).First();
  return { problem: first ? `${first.path || '/'}: ${first.message}` : 'it does not match the contract' };
}
