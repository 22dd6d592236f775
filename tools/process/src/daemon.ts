import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { sleep, waitUntil } from './wait';

/**
 * The pid in a pid file when that process is alive and (with `mustMention`) is ours: not a zombie,
 * not a pid the kernel has since given to another program.
 */
export function livePid(pidFile: string, mustMention?: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
  } catch {
    return undefined;
  }
  try {
    // Field 3 of /proc/<pid>/stat is the state; a zombie (Z) or dead (X) process has exited already.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    if (state === 'Z' || state === 'X') return undefined;
    if (mustMention && !readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(mustMention)) return undefined;
  } catch {
    // No /proc (not Linux): kill(pid, 0) is all we can tell.
  }
  return pid;
}

/** A background program that outlives the command that starts it, found again through its pid file. */
export interface DaemonSpec {
  /** Names it in every message, e.g. `dockerd`. */
  name: string;
  command: string;
  args: string[];
  pidFile: string;
  /** Where its stdout and stderr go (stderr only, when `stdoutFile` is set). */
  logFile: string;
  /** Where its stdout goes instead, for a daemon that prints what its caller reads (an env file). */
  stdoutFile?: string;
  /** Text in its command line that proves a pid from the pid file is this daemon's. */
  mustMention?: string;
  /** The daemon writes its own pid file (dockerd --pidfile); otherwise it is written here. */
  writesOwnPidFile?: boolean;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** True once the daemon serves. */
  ready: () => Promise<boolean>;
}

/** The daemon exited before it was ready; `code` 0 can mean "nothing to do" to the caller. */
export class DaemonExitedError extends Error {
  override name = 'DaemonExitedError';
  constructor(
    readonly daemon: string,
    readonly code: number | null,
    readonly lastLines: string,
  ) {
    super(`${daemon} exited (code ${code}) before it was ready; last log lines:\n  ${lastLines || '(none)'}`);
  }
}

function tail(file: string, lines = 5): string {
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n  ') : '';
}

/**
 * Starts the daemon detached, or reuses the one its pid file names once that one is ready, and waits until
 * `ready()` answers. On a timeout it kills what it started and throws with the end of the log.
 */
export async function startDaemon(spec: DaemonSpec, log: (line: string) => void, timeoutMs = 60_000): Promise<number> {
  const running = livePid(spec.pidFile, spec.mustMention);
  if (running) {
    if (await waitUntil(spec.ready, { timeoutMs, intervalMs: 200 })) {
      log(`${spec.name} already running (pid ${running})`);
      return running;
    }
    throw new Error(
      `${spec.name} (pid ${running}, from ${spec.pidFile}) is alive but not ready after ${timeoutMs / 1000}s; stop it first`,
    );
  }
  mkdirSync(dirname(spec.pidFile), { recursive: true });
  rmSync(spec.pidFile, { force: true });
  const err = openSync(spec.logFile, 'a');
  const out = spec.stdoutFile ? openSync(spec.stdoutFile, 'a') : err;
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: spec.env,
    detached: true,
    stdio: ['ignore', out, err],
  });
  closeSync(err);
  if (out !== err) closeSync(out);
  let exit: { code: number | null } | undefined;
  child.once('exit', (code) => (exit = { code }));
  const spawnError = new Promise<Error>((done) => child.once('error', done));
  child.unref();
  if (child.pid === undefined) throw await spawnError;
  if (!spec.writesOwnPidFile) writeFileSync(spec.pidFile, `${child.pid}\n`);
  log(`starting ${spec.name} (pid ${child.pid}), log: ${spec.logFile}`);
  const ready = await waitUntil(async () => exit ?? (await spec.ready()), { timeoutMs, intervalMs: 200 });
  if (ready === true) return child.pid;
  if (!spec.writesOwnPidFile) rmSync(spec.pidFile, { force: true });
  if (ready) throw new DaemonExitedError(spec.name, ready.code, tail(spec.logFile));
  child.kill('SIGKILL');
  throw new Error(`${spec.name} was not ready within ${timeoutMs / 1000}s; last log lines:\n  ${tail(spec.logFile)}`);
}

/** Stops the daemon its pid file names: SIGTERM, then SIGKILL after `graceMs`. Returns the pid, if one ran. */
export async function stopDaemon(
  spec: Pick<DaemonSpec, 'name' | 'pidFile' | 'mustMention'>,
  log: (line: string) => void,
  graceMs = 10_000,
): Promise<number | undefined> {
  const pid = livePid(spec.pidFile, spec.mustMention);
  if (!pid) {
    rmSync(spec.pidFile, { force: true });
    log(`${spec.name} is not running`);
    return undefined;
  }
  process.kill(pid, 'SIGTERM');
  const gone = await waitUntil(() => livePid(spec.pidFile, spec.mustMention) !== pid, {
    timeoutMs: graceMs,
    intervalMs: 100,
  });
  if (!gone) {
    log(`${spec.name} (pid ${pid}) ignored SIGTERM for ${graceMs / 1000}s: killing it`);
    process.kill(pid, 'SIGKILL');
    await sleep(100);
  }
  rmSync(spec.pidFile, { force: true });
  log(`${spec.name} stopped (pid ${pid})`);
  return pid;
}
