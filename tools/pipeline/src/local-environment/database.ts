import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectionEnv } from '@gantry/database/embedded';
import { freePort, startDaemon, stopDaemon, type DaemonSpec } from '@gantry/process';
import type { Database } from '@gantry/service-catalog';
import { Client } from 'pg';
import type { LocalLayout } from './state';

/** Where a database service's stand-in database lives: its cluster, password, port and daemon files. */
function databaseDir(layout: LocalLayout, service: string): string {
  return join(layout.dir, 'databases', service);
}

/** The port is picked once and kept, so a restarted daemon (or a rollback's container) finds it where it was. */
function portOf(dir: string): Promise<number> | number {
  const file = join(dir, 'port');
  if (existsSync(file)) return Number(readFileSync(file, 'utf8'));
  return freePort().then((port) => {
    writeFileSync(file, String(port));
    return port;
  });
}

function daemon(root: string, dir: string, port: number, database: Database): DaemonSpec {
  return {
    name: `local database ${database.name}`,
    command: process.execPath,
    args: [
      '--import',
      'tsx',
      join(root, 'tools/pipeline/src/local-environment/database-main.ts'),
      dir,
      String(port),
      database.name,
    ],
    cwd: root,
    pidFile: join(dir, 'daemon.pid'),
    logFile: join(dir, 'daemon.log'),
    mustMention: dir,
    ready: () => accepts(connectionOf(dir, port, database)),
  };
}

function connectionOf(dir: string, port: number, database: Database) {
  const passwordFile = join(dir, 'password');
  const password = existsSync(passwordFile) ? readFileSync(passwordFile, 'utf8').trim() : '';
  return { host: '127.0.0.1', port, database: database.name, user: 'gantry', password };
}

async function accepts(connection: ReturnType<typeof connectionOf>): Promise<boolean> {
  if (!connection.password) return false;
  const client = new Client({ ...connection, connectionTimeoutMillis: 1_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The stand-in for a service's RDS instance: an embedded PostgreSQL daemon on loopback, started when it is
 * not running. Returns the DB_* variables a container (the service or its migrate task) connects with.
 */
export async function openLocalDatabase(
  root: string,
  layout: LocalLayout,
  service: string,
  database: Database,
  log: (line: string) => void,
): Promise<Record<string, string>> {
  const dir = databaseDir(layout, service);
  mkdirSync(dir, { recursive: true });
  const port = await portOf(dir);
  await startDaemon(daemon(root, dir, port, database), log, 60_000);
  return connectionEnv(connectionOf(dir, port, database));
}

/** Stops every database daemon of the local environment; their data stays for the next run. */
export async function stopLocalDatabases(layout: LocalLayout, log: (line: string) => void): Promise<void> {
  const parent = join(layout.dir, 'databases');
  if (!existsSync(parent)) return;
  for (const service of readdirSync(parent)) {
    const dir = databaseDir(layout, service);
    await stopDaemon({ name: `local database of ${service}`, pidFile: join(dir, 'daemon.pid'), mustMention: dir }, log);
  }
}
