import { Pool } from 'pg';
import type { DatabaseConfig } from './config';

export interface PoolLog {
  warn(details: object, message: string): void;
}

/** A connection pool for one service's database, with timeouts that turn an outage into quick errors. */
export function createPool(config: DatabaseConfig, applicationName: string, log?: PoolLog): Pool {
  const pool = new Pool({
    host: config.DB_HOST,
    port: config.DB_PORT,
    database: config.DB_NAME,
    user: config.DB_USER,
    password: config.DB_PASSWORD,
    // Encrypted without checking the server's certificate: RDS's CA bundle is not in Node's trust store.
    ssl: config.DB_SSL === 'require' ? { rejectUnauthorized: false } : false,
    max: config.DB_POOL_MAX,
    connectionTimeoutMillis: config.DB_CONNECT_TIMEOUT_MS,
    statement_timeout: config.DB_STATEMENT_TIMEOUT_MS,
    // The server ends a statement at statement_timeout; this ends the wait when the server itself is gone.
    query_timeout: config.DB_STATEMENT_TIMEOUT_MS + 1_000,
    idleTimeoutMillis: 10_000,
    application_name: applicationName,
  });
  // An idle connection that breaks (the database restarted) is dropped by the pool; unhandled, it would end the process.
  pool.on('error', (error) => log?.warn({ err: error }, 'an idle database connection broke; the pool drops it'));
  return pool;
}
