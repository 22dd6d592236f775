import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DaemonExitedError, startDaemon, stopDaemon, type DaemonSpec } from '@gantry/process';
import { stateDir } from '../state';
import type { StepContext } from '../step-context';

export interface CacheState {
  /** The file a shell sources to point Nx at the cache (empty when the cache is off). */
  envFile: string;
  url?: string;
  pid?: number;
}

const SERVER_LINE = /NX_SELF_HOSTED_REMOTE_CACHE_SERVER=(\S+)/;

/** The S3 remote-cache adapter as a daemon: its export lines go to cache.env, its log to remote-cache.log. */
function adapter(root: string, env: NodeJS.ProcessEnv): DaemonSpec & { stdoutFile: string } {
  const dir = stateDir(root);
  const script = join(root, 'tools/remote-cache/src/main.ts');
  const envFile = join(dir, 'cache.env');
  return {
    name: 'remote cache adapter',
    command: process.execPath,
    args: ['--import', 'tsx', script],
    cwd: root,
    env,
    pidFile: join(dir, 'remote-cache.pid'),
    logFile: join(dir, 'remote-cache.log'),
    stdoutFile: envFile,
    mustMention: script,
    ready: async () => SERVER_LINE.test(readFileSync(envFile, 'utf8')),
  };
}

/**
 * Step "cache": starts the S3 remote-cache adapter in the background for the rest of the build and writes
 * dist/pipeline/cache.env for the shell to source. A cache that cannot start only warns: the build goes on.
 */
export async function cacheStep({ root, env, log }: StepContext, timeoutMs = 30_000): Promise<CacheState> {
  const daemon = adapter(root, env);
  mkdirSync(stateDir(root), { recursive: true });
  // A rerun of this step starts a fresh adapter with the current settings.
  await stopDaemon(daemon, () => undefined);
  writeFileSync(daemon.stdoutFile, '');
  try {
    const pid = await startDaemon(daemon, () => undefined, timeoutMs);
    const url = readFileSync(daemon.stdoutFile, 'utf8').match(SERVER_LINE)?.[1];
    log(`remote cache serving at ${url} (log: ${daemon.logFile})`);
    return { envFile: daemon.stdoutFile, url, pid };
  } catch (error) {
    writeFileSync(daemon.stdoutFile, '');
    if (error instanceof DaemonExitedError && error.code !== 0) {
      throw new Error(
        `the remote cache adapter failed (exit code ${error.code}): ${error.lastLines.split('\n  ').slice(-3).join(' | ')}`,
      );
    }
    // Exit code 0 is the adapter saying it is off (S3 unreachable); anything else is a start-up timeout.
    const said =
      error instanceof DaemonExitedError
        ? error.lastLines.split('\n  ').slice(-3).join(' | ')
        : (error as Error).message.split('\n')[0];
    log(said.includes('WARNING') ? said : `WARNING: ${said}; continuing without the remote cache`);
    return { envFile: daemon.stdoutFile };
  }
}
