export { DatabaseConfig } from './config';
export { MIGRATE_EXIT, runMigrateCommand, type MigrateCommandIo } from './migrate-command';
export { appliedMigrations, MIGRATION_TABLES, migrateToLatest, MigrationError, type SqlMigration } from './migrations';
export { createPool, type PoolLog } from './pool';
export { databaseReadiness } from './readiness';
export { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable, whileDatabaseUp } from './unavailable';
