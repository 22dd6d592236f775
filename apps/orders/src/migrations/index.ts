import type { SqlMigration } from '@gantry/database';
import createOrders from './0001_create_orders.sql';
import addOrderNote from './0002_add_order_note.sql';

/**
 * Every migration of orders, oldest first. Forward-only and expand/contract (docs/database.md): a migration
 * must leave the schema usable by the release before it, which `expand-contract.e2e.ts` checks.
 */
export const migrations: readonly SqlMigration[] = [
  { name: '0001_create_orders', sql: createOrders },
  { name: '0002_add_order_note', sql: addOrderNote },
];
