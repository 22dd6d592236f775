import { randomUUID } from 'node:crypto';
import type { Quote } from '@gantry/catalog-contract';
import type { Pool, PoolClient } from 'pg';
import type { Order, OrderStatus } from './order-schemas';
import { allowedFrom } from './status-transitions';

interface OrderRow {
  seq: string;
  id: string;
  status: OrderStatus;
  currency: string;
  subtotal_cents: string;
  discount_cents: string;
  total_cents: string;
  note: string | null;
  version: number;
  request_hash: string | null;
  created_at: Date;
  updated_at: Date;
}

interface LineRow {
  order_id: string;
  product_id: string;
  name: string;
  quantity: number;
  unit_price_cents: string;
  discount_cents: string;
  line_total_cents: string;
}

/** What `place` did: created the order, or found the one an earlier request with the same key created. */
export type Placed =
  | { outcome: 'created'; order: Order }
  | { outcome: 'replayed'; order: Order }
  | { outcome: 'key-reused'; order: Order };

/** What `changeStatus` found when it could not apply the change. */
export type StatusChange =
  | { outcome: 'changed'; order: Order }
  | { outcome: 'not-found' }
  | { outcome: 'stale'; order: Order }
  | { outcome: 'not-allowed'; order: Order };

const ORDER_COLUMNS =
  'seq, id, status, currency, subtotal_cents, discount_cents, total_cents, note, version, request_hash, created_at, updated_at';

/** The orders table and its lines; every statement is parameterised, and a write is one transaction. */
export class OrderStore {
  constructor(private readonly pool: Pool) {}

  /** The order an earlier POST with this Idempotency-Key created, with the hash of its body. */
  async findByKey(
    key: string,
    db: Pool | PoolClient = this.pool,
  ): Promise<{ order: Order; requestHash: string | null } | undefined> {
    const { rows } = await db.query<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE idempotency_key = $1`, [key]);
    if (rows.length === 0) return undefined;
    return { order: (await this.withLines(db, rows))[0], requestHash: rows[0].request_hash };
  }

  /**
   * Stores a priced order. With a key, concurrent requests race on its unique index: one inserts, the others
   * wait for its commit, insert nothing, and return its order (or key-reused when their body differs).
   */
  async place(
    quote: Quote,
    note: string | undefined,
    idempotency?: { key: string; requestHash: string },
  ): Promise<Placed> {
    const client = await this.pool.connect();
    let failure: Error | undefined;
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<OrderRow>(
        `INSERT INTO orders (id, status, currency, subtotal_cents, discount_cents, total_cents, note, idempotency_key, request_hash)
         VALUES ($1, 'placed', $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (idempotency_key) DO NOTHING
         RETURNING ${ORDER_COLUMNS}`,
        [
          randomUUID(),
          quote.currency,
          quote.subtotalCents,
          quote.discountCents,
          quote.totalCents,
          note ?? null,
          idempotency?.key ?? null,
          idempotency?.requestHash ?? null,
        ],
      );
      if (rows.length === 0) {
        await client.query('ROLLBACK');
        // On this connection: waiting for another from the pool while holding one starves a burst of retries.
        const earlier = idempotency && (await this.findByKey(idempotency.key, client));
        if (!earlier) throw new Error('an order insert conflicted on a key that then was not found');
        return {
          outcome: earlier.requestHash === idempotency.requestHash ? 'replayed' : 'key-reused',
          order: earlier.order,
        };
      }
      const order = rows[0];
      for (const [index, line] of quote.lines.entries()) {
        await client.query(
          `INSERT INTO order_lines (order_id, line_no, product_id, name, quantity, unit_price_cents, discount_cents, line_total_cents)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [
            order.id,
            index + 1,
            line.productId,
            line.name,
            line.quantity,
            line.unitPriceCents,
            line.discountCents,
            line.lineTotalCents,
          ],
        );
      }
      await client.query('COMMIT');
      return { outcome: 'created', order: toOrder(order, quote.lines) };
    } catch (error) {
      failure = error as Error;
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      // Given the error, the pool closes the connection instead of lending it out again: it may be broken.
      client.release(failure);
    }
  }

  async get(id: string): Promise<Order | undefined> {
    const { rows } = await this.pool.query<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE id = $1`, [id]);
    return rows.length === 0 ? undefined : (await this.withLines(this.pool, rows))[0];
  }

  /** Newest first, `limit` at a time, after the cursor (`seq`) of the previous page's last order. */
  async list(limit: number, after?: string): Promise<{ items: Order[]; next: string | null }> {
    const { rows } = await this.pool.query<OrderRow>(
      `SELECT ${ORDER_COLUMNS} FROM orders WHERE ($1::bigint IS NULL OR seq < $1::bigint) ORDER BY seq DESC LIMIT $2`,
      [after ?? null, limit + 1],
    );
    const page = rows.slice(0, limit);
    return {
      items: await this.withLines(this.pool, page),
      next: rows.length > limit ? page[page.length - 1].seq : null,
    };
  }

  /**
   * Moves the order to `status` if it is still at `version` and its status allows the move, in one statement,
   * so two writers with the same version cannot both win.
   */
  async changeStatus(id: string, version: number, status: OrderStatus): Promise<StatusChange> {
    const { rows } = await this.pool.query<OrderRow>(
      `UPDATE orders SET status = $3, version = version + 1, updated_at = now()
       WHERE id = $1 AND version = $2 AND status = ANY($4::text[])
       RETURNING ${ORDER_COLUMNS}`,
      [id, version, status, allowedFrom(status)],
    );
    if (rows.length > 0) return { outcome: 'changed', order: (await this.withLines(this.pool, rows))[0] };
    const current = await this.get(id);
    if (!current) return { outcome: 'not-found' };
    return { outcome: current.version !== version ? 'stale' : 'not-allowed', order: current };
  }

  private async withLines(db: Pool | PoolClient, orders: OrderRow[]): Promise<Order[]> {
    if (orders.length === 0) return [];
    const { rows } = await db.query<LineRow>(
      `SELECT order_id, product_id, name, quantity, unit_price_cents, discount_cents, line_total_cents
       FROM order_lines WHERE order_id = ANY($1::uuid[]) ORDER BY order_id, line_no`,
      [orders.map((order) => order.id)],
    );
    return orders.map((order) =>
      toOrder(
        order,
        rows
          .filter((line) => line.order_id === order.id)
          .map((line) => ({
            productId: line.product_id,
            name: line.name,
            quantity: line.quantity,
            unitPriceCents: Number(line.unit_price_cents),
            discountCents: Number(line.discount_cents),
            lineTotalCents: Number(line.line_total_cents),
          })),
      ),
    );
  }
}

// bigint columns arrive as strings; cents stay far below 2^53.
function toOrder(row: OrderRow, lines: Order['lines']): Order {
  return {
    id: row.id,
    status: row.status,
    currency: row.currency,
    lines,
    note: row.note,
    subtotalCents: Number(row.subtotal_cents),
    discountCents: Number(row.discount_cents),
    totalCents: Number(row.total_cents),
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
