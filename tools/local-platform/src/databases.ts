import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { connectionEnv, migrateVerdict, startEmbeddedPostgres, type RunningPostgres } from '@gantry/database/embedded';
import { bundlePath, databaseServices, MIGRATE_ARGUMENT, type ServiceEntry } from '@gantry/service-catalog';

export interface DatabasesOptions {
  workspaceRoot: string;
  /** One folder per database service underneath: its cluster, password and server log. */
  dataDir: string;
  /** Added to each database's catalog port, as to every service port. */
  portOffset: number;
  env: NodeJS.ProcessEnv;
  onLine: (source: string, line: string) => void;
}

export interface LocalDatabases {
  /** The DB_* variables of a service's database; empty for a service without one. */
  envOf(service: string): Record<string, string>;
  /** A fast shutdown of every server (after the services are gone). */
  stop(): Promise<void>;
}

/**
 * Starts an embedded PostgreSQL for each service that declares a database, on the catalog's port, then runs
 * that service's migrations with its own bundle (`main.js migrate`, as the image runs them in AWS). Nothing is
 * left running when any of it fails.
 */
export async function startDatabases(entries: ServiceEntry[], options: DatabasesOptions): Promise<LocalDatabases> {
  const servers = new Map<string, RunningPostgres>();
  const stop = async () => {
    await Promise.all([...servers.values()].map((server) => server.stop()));
  };
  try {
    for (const entry of databaseServices(entries)) {
      const server = await startEmbeddedPostgres({
        dir: join(options.dataDir, entry.name),
        port: entry.database.port + options.portOffset,
        database: entry.database.name,
        log: (line) => options.onLine('postgres', `${entry.name}: ${line}`),
      });
      servers.set(entry.name, server);
      await migrate(entry, connectionEnv(server.connection), options);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    envOf: (service) => {
      const server = servers.get(service);
      return server ? connectionEnv(server.connection) : {};
    },
    stop,
  };
}

async function migrate(entry: ServiceEntry, env: Record<string, string>, options: DatabasesOptions): Promise<void> {
  const child = spawn(process.execPath, [join(options.workspaceRoot, bundlePath(entry.name)), MIGRATE_ARGUMENT], {
    env: { PATH: options.env['PATH'] ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let last = '';
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      last = line;
      options.onLine(entry.name, line);
    });
  }
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code === 0) return;
  // Its last line is the verdict; one that is not the command's JSON (a crash) is shown as it is.
  const reason = migrateVerdict(last) ?? last;
  throw new Error(`${entry.name}: its migrations failed (exit code ${code}), so it was not started: ${reason}`);
}
