import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { startDaemon, stopDaemon, type DaemonSpec } from '@gantry/process';
import { aptInstall } from './apt';

const execFileAsync = promisify(execFile);

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
  return {
    home,
    socket,
    host: `unix://${socket}`,
    pidFile: join(home, 'dockerd.pid'),
    logFile: join(home, 'dockerd.log'),
  };
}

/** The engine's home: GANTRY_DOCKER_HOME, else .gantry/docker in the workspace (git-ignored). */
export function defaultEngineLayout(env: NodeJS.ProcessEnv = process.env, workspaceRoot = process.cwd()): EngineLayout {
  return engineLayout(resolve(env['GANTRY_DOCKER_HOME'] ?? resolve(workspaceRoot, '.gantry/docker')));
}

/** The dockerd command line: its own socket, data-root and exec-root, so it never touches a system engine. */
export function dockerdArgs(layout: EngineLayout): string[] {
  return [
    '--host',
    layout.host,
    '--data-root',
    join(layout.home, 'data'),
    '--exec-root',
    join(layout.home, 'exec'),
    '--pidfile',
    layout.pidFile,
    '--group',
    'root',
  ];
}

/** True when the engine at `host` answers. */
export async function engineAnswers(host: string): Promise<boolean> {
  try {
    await execFileAsync('docker', ['version', '--format', '{{.Server.Version}}'], {
      env: { ...process.env, DOCKER_HOST: host },
      timeout: 10_000,
    });
    return true;
  } catch {
    return false;
  }
}

function engineDaemon(layout: EngineLayout): DaemonSpec {
  return {
    name: 'dockerd',
    command: 'dockerd',
    args: dockerdArgs(layout),
    pidFile: layout.pidFile,
    logFile: layout.logFile,
    mustMention: layout.socket,
    writesOwnPidFile: true,
    ready: () => engineAnswers(layout.host),
  };
}

/** Starts a private dockerd (installing Debian's docker.io when it is missing), or reuses the running one. */
export async function startEngine(
  layout: EngineLayout,
  log: (line: string) => void,
  timeoutMs = 60_000,
): Promise<number> {
  await aptInstall('/usr/sbin/dockerd', ['docker.io'], log);
  mkdirSync(layout.home, { recursive: true });
  return startDaemon(engineDaemon(layout), log, timeoutMs);
}

/** Stops the engine by the pid it recorded, then unmounts what it leaves behind. */
export async function stopEngine(layout: EngineLayout, log: (line: string) => void, graceMs = 20_000): Promise<void> {
  await stopDaemon(engineDaemon(layout), log, graceMs);
  // dockerd leaves its default network namespace bind-mounted under exec/netns, which keeps the folder
  // (and a clone holding it) from being deleted.
  for (const mount of leftoverMounts(readFileSync('/proc/self/mounts', 'utf8'), layout.home)) {
    try {
      execFileSync('umount', [mount]);
    } catch (error) {
      log(`could not unmount ${mount}: ${(error as Error).message}`);
    }
  }
}

/** Mount points under the engine's exec-root that outlive dockerd (from /proc/self/mounts). */
export function leftoverMounts(mounts: string, home: string): string[] {
  const root = `${join(home, 'exec')}/`;
  return mounts
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((point) => point.startsWith(root));
}
