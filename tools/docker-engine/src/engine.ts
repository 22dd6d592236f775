import { execFile, execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { aptInstall } from './apt';
import { livePid } from './pid-file';

const run = promisify(execFile);

/** Where a private engine keeps its socket, data, pid and log. */
export interface EngineLayout {
  home: string;
  socket: string;
  host: string;
  pidFile: string;
  logFile: string;
}

export function engineLayout(home: string): EngineLayout {
  const socket = join(home, 'docker.sock');
  return { home, socket, host: `unix://${socket}`, pidFile: join(home, 'dockerd.pid'), logFile: join(home, 'dockerd.log') };
}

/** The dockerd command line: its own socket, data-root and exec-root, so it never touches a system engine. */
export function dockerdArgs(layout: EngineLayout): string[] {
  return [
    '--host', layout.host,
    '--data-root', join(layout.home, 'data'),
    '--exec-root', join(layout.home, 'exec'),
    '--pidfile', layout.pidFile,
    '--group', 'root',
  ];
}

/** Installs Debian's docker.io (and docker-registry, the ECR stand-in) when dockerd is missing. */
export function ensureInstalled(log: (line: string) => void): Promise<void> {
  return aptInstall('/usr/sbin/dockerd', ['docker.io', 'docker-registry'], log);
}

/** True when the engine at `host` answers. */
export async function engineAnswers(host: string): Promise<boolean> {
  try {
    await run('docker', ['version', '--format', '{{.Server.Version}}'], { env: { ...process.env, DOCKER_HOST: host }, timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/** Starts a private dockerd (or reuses the running one) and waits until it answers. */
export async function startEngine(layout: EngineLayout, log: (line: string) => void, timeoutMs = 60_000): Promise<number> {
  const running = livePid(layout.pidFile, layout.socket);
  if (running && (await engineAnswers(layout.host))) {
    log(`engine already running (pid ${running}) at ${layout.host}`);
    return running;
  }
  await ensureInstalled(log);
  mkdirSync(layout.home, { recursive: true });
  rmSync(layout.pidFile, { force: true });
  const out = openSync(layout.logFile, 'a');
  const child = spawn('dockerd', dockerdArgs(layout), { detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  child.unref();
  log(`starting dockerd (pid ${child.pid}), log: ${layout.logFile}`);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    if (await engineAnswers(layout.host)) return child.pid as number;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const tail = readFileSync(layout.logFile, 'utf8').trim().split('\n').slice(-5).join('\n  ');
  throw new Error(`dockerd did not answer within ${timeoutMs / 1000}s; last log lines:\n  ${tail}`);
}

/** Stops the engine by the pid it recorded; waits for it, then SIGKILLs after `graceMs`. */
export async function stopEngine(layout: EngineLayout, log: (line: string) => void, graceMs = 20_000): Promise<void> {
  const pid = livePid(layout.pidFile, layout.socket);
  if (!pid) {
    log('engine is not running');
    return;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && livePid(layout.pidFile, layout.socket) === pid) {
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  if (livePid(layout.pidFile, layout.socket) === pid) {
    log(`dockerd (pid ${pid}) ignored SIGTERM for ${graceMs / 1000}s: killing it`);
    process.kill(pid, 'SIGKILL');
  }
  rmSync(layout.pidFile, { force: true });
  // dockerd leaves its default network namespace bind-mounted under exec/netns, which keeps the folder
  // (and a clone holding it) from being deleted.
  for (const mount of leftoverMounts(readFileSync('/proc/self/mounts', 'utf8'), layout.home)) {
    try {
      execFileSync('umount', [mount]);
    } catch (error) {
      log(`could not unmount ${mount}: ${(error as Error).message}`);
    }
  }
  log(`engine stopped (pid ${pid})`);
}

/** Mount points under the engine's exec-root that outlive dockerd (from /proc/self/mounts). */
export function leftoverMounts(mounts: string, home: string): string[] {
  const root = `${join(home, 'exec')}/`;
  return mounts
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((point) => point.startsWith(root));
}
