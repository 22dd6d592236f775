import { Kysely, Migrator, PostgresDialect, sql, type Migration } from 'kysely';
import type { Pool } from 'pg';

/** One forward-only migration: its file name (which orders it) and its SQL. */
export interface SqlMigration {
  readonly name: string;
  readonly sql: string;
}

/** The tables the migrator keeps its history and its lock row in. */
export const MIGRATION_TABLES = { history: 'gantry_migrations', lock: 'gantry_migrations_lock' } as const;

/** A migration failed: nothing of this run was kept (they share one transaction). */
export class MigrationError extends Error {
  override name = 'MigrationError';
  constructor(
    /** The migration that failed, when the failure was in one (not in the lock or the history check). */
    readonly migration: string | undefined,
    readonly reason: string,
  ) {
    super(migration ? `migration ${migration} failed: ${reason}` : `migrations could not run: ${reason}`);
  }
}

/**
 * Applies every migration not yet applied, in name order, with the Kysely migrator. On PostgreSQL it takes
 * a transaction-scoped advisory lock, so a second migrator waits and then finds nothing to do, and runs the
 * whole batch in that one transaction, so a failed migration leaves the schema as the last release left it.
 * There is no down direction: production only moves forward (docs/database.md).
 */
export async function migrateToLatest(pool: Pool, migrations: readonly SqlMigration[]): Promise<string[]> {
  // The pool belongs to the caller, so this Kysely instance is never destroyed (that would end the pool).
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => Object.fromEntries(migrations.map((m) => [m.name, toKysely(m)])) },
    migrationTableName: MIGRATION_TABLES.history,
    migrationLockTableName: MIGRATION_TABLES.lock,
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) {
    const failed = results.find((result) => result.status === 'Error');
    throw new MigrationError(failed?.migrationName, (error as Error).message ?? String(error));
  }
  return results.filter((result) => result.status === 'Success').map((result) => result.migrationName);
}

/** The migrations already applied to the database, oldest first. */
export async function appliedMigrations(pool: Pool): Promise<string[]> {
  const { rows } = await pool.query<{ name: string }>(`SELECT name FROM ${MIGRATION_TABLES.history} ORDER BY name`);
  return rows.map((row) => row.name);
}

function toKysely(migration: SqlMigration): Migration {
  // No parameters, so node-postgres sends the simple protocol, which takes several statements at once.
  return { up: async (db) => void (await sql.raw(migration.sql).execute(db)) };
}
