import { createHash } from 'node:crypto';
import type { OrderRequest } from './order-schemas';

/** The body's identity for Idempotency-Key checks: the same items in the same order and the same note, however the JSON was spelled. */
export function requestHash(request: OrderRequest): string {
  const canonical = JSON.stringify([
    request.items.map((item) => [item.productId, item.quantity]),
    request.note ?? null,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}
