import { ConfigError, loadConfig } from '@gantry/service-kit';
import { DatabaseConfig } from './config';
import { migrateToLatest, MigrationError, type SqlMigration } from './migrations';
import { createPool } from './pool';

/** Exit codes of `main.js migrate`: 0 applied or nothing to do, 1 a migration failed, 78 bad config (EX_CONFIG). */
export const MIGRATE_EXIT = { ok: 0, failed: 1, config: 78 } as const;

export interface MigrateCommandIo {
  env: NodeJS.ProcessEnv;
  /** One JSON line per event, as the service logs, so CloudWatch and the pipeline read the same thing. */
  write: (line: string) => void;
}

/**
 * What a database service's bundle does when run as `main.js migrate` (the one-off ECS task, the local
 * pipeline's container, `npm start`): apply the bundled migrations and exit. Its last line says which
 * migration failed and why, which the pipeline's migrate step shows.
 */
export async function runMigrateCommand(
  service: string,
  migrations: readonly SqlMigration[],
  { env, write }: MigrateCommandIo,
): Promise<number> {
  const emit = (level: 'info' | 'error', msg: string, details: object = {}) =>
    write(JSON.stringify({ level, time: Date.now(), service, msg, ...details }));
  let config: DatabaseConfig;
  try {
    config = loadConfig(DatabaseConfig, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    emit('error', `${service}: ${error.message}`);
    return MIGRATE_EXIT.config;
  }
  const pool = createPool(config, `${service}-migrate`);
  try {
    const applied = await migrateToLatest(pool, migrations);
    const latest = migrations.at(-1)?.name ?? 'none';
    emit(
      'info',
      applied.length > 0
        ? `applied ${applied.length} migration(s): ${applied.join(', ')}`
        : `schema is up to date (${latest})`,
      { applied, latest },
    );
    return MIGRATE_EXIT.ok;
  } catch (error) {
    const failure = error instanceof MigrationError ? error : new MigrationError(undefined, (error as Error).message);
    emit('error', failure.message, { migration: failure.migration });
    return MIGRATE_EXIT.failed;
  } finally {
    await pool.end();
  }
}
