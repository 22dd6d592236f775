import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, type Pool } from 'pg';
import type { DatabaseConfig } from './config';
import { connectionEnv, startEmbeddedPostgres, type Connection, type RunningPostgres } from './embedded';
import { migrateToLatest, type SqlMigration } from './migrations';
import { createPool } from './pool';

// Specs run against a real PostgreSQL: jest's globalSetup starts one per run and migrates a template
// database; each spec file clones the template (CREATE DATABASE … TEMPLATE), which takes milliseconds.

/** Set by the global setup for the spec workers: the migrated template database. */
export const TEMPLATE_ENV = 'GANTRY_TEST_DATABASE_TEMPLATE';

interface Handle {
  server?: RunningPostgres;
  dir?: string;
}
const HANDLE = Symbol.for('gantry.test-postgres');
type WithHandle = typeof globalThis & { [HANDLE]?: Handle };

/**
 * SIGKILL for a PostgreSQL server and every process it forked, as an OOM kill or a lost host leaves it: no
 * shutdown, no checkpoint. The server is stopped first so that it forks nothing between the listing and the
 * kill; resolves once every one of them is gone.
 */
export async function killServerHard(pid: number): Promise<void> {
  process.kill(pid, 'SIGSTOP');
  const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
    .split('\n')
    .map((line) => Number(line.trim()))
    .filter((child) => child > 0);
  const victims = [pid, ...children];
  for (const victim of victims) process.kill(victim, 'SIGKILL');
  // A zombie (killed, not yet reaped) has an empty command line.
  const gone = (victim: number) => {
    try {
      return readFileSync(`/proc/${victim}/cmdline`, 'utf8') === '';
    } catch {
      return true;
    }
  };
  for (let waited = 0; !victims.every(gone); waited += 50) {
    if (waited > 10_000) throw new Error(`PostgreSQL processes ${victims.join(', ')} outlived SIGKILL by 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A free loopback port. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Jest globalSetup: a throwaway server with `migrations` applied to a template database. When
 * TEMPLATE_ENV is already set (the expand/contract check runs an older release's specs against a newer
 * schema), that template is used as it is, unmigrated by this code.
 */
export async function setUpTestPostgres(migrations: readonly SqlMigration[]): Promise<void> {
  if (process.env[TEMPLATE_ENV]) return;
  const dir = mkdtempSync(join(tmpdir(), 'gantry-test-pg-'));
  const server = await startEmbeddedPostgres({ dir, port: await freeLoopbackPort(), database: 'template_test' });
  (globalThis as WithHandle)[HANDLE] = { server, dir };
  const pool = poolFor(server.connection);
  try {
    await migrateToLatest(pool, migrations);
  } finally {
    await pool.end();
  }
  process.env[TEMPLATE_ENV] = JSON.stringify(server.connection);
}

/** Jest globalTeardown. */
export async function tearDownTestPostgres(): Promise<void> {
  const handle = (globalThis as WithHandle)[HANDLE];
  if (!handle?.server) return;
  await handle.server.stop();
  if (handle.dir) rmSync(handle.dir, { recursive: true, force: true });
}

export interface TestDatabase {
  readonly connection: Connection;
  /** The DB_* variables of this database, for a service's config. */
  readonly env: Record<string, string>;
  readonly config: DatabaseConfig;
  /** A pool of its own, for arranging and checking rows. */
  readonly pool: Pool;
  drop(): Promise<void>;
}

/** A fresh database cloned from the migrated template, for one spec file. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const raw = process.env[TEMPLATE_ENV];
  if (!raw) throw new Error(`${TEMPLATE_ENV} is not set: add setUpTestPostgres to this project's jest globalSetup`);
  const template = JSON.parse(raw) as Connection;
  const connection = { ...template, database: `test_${randomBytes(6).toString('hex')}` };
  await admin(template, (client) =>
    client.query(`CREATE DATABASE ${connection.database} TEMPLATE ${client.escapeIdentifier(template.database)}`),
  );
  const pool = poolFor(connection);
  const env = connectionEnv(connection);
  return {
    connection,
    env,
    config: configFor(connection),
    pool,
    drop: async () => {
      await pool.end();
      await admin(template, (client) => client.query(`DROP DATABASE IF EXISTS ${connection.database} WITH (FORCE)`));
    },
  };
}

function configFor(connection: Connection): DatabaseConfig {
  return {
    DB_HOST: connection.host,
    DB_PORT: connection.port,
    DB_NAME: connection.database,
    DB_USER: connection.user,
    DB_PASSWORD: connection.password,
    DB_SSL: 'disable',
    DB_POOL_MAX: 10,
    DB_CONNECT_TIMEOUT_MS: 2_000,
    DB_STATEMENT_TIMEOUT_MS: 5_000,
  };
}

function poolFor(connection: Connection): Pool {
  return createPool(configFor(connection), 'gantry-test');
}

async function admin<T>(template: Connection, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ ...template, database: 'postgres' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
