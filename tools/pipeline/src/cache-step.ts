import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stateDir } from './state';
import type { StepContext } from './steps';

export interface CacheStepResult {
  /** The file a shell sources to point Nx at the cache (empty when the cache is off). */
  envFile: string;
  url?: string;
  pid?: number;
}

/**
 * Step "cache": starts the S3 remote-cache adapter in the background for the rest of the build and
 * writes dist/pipeline/cache.env for the shell to source. S3 being unreachable only warns.
 */
export async function cacheStep({ root, env, log }: StepContext, timeoutMs = 30_000): Promise<CacheStepResult> {
  const dir = stateDir(root);
  mkdirSync(dir, { recursive: true });
  const envFile = join(dir, 'cache.env');
  const logFile = join(dir, 'remote-cache.log');
  writeFileSync(envFile, '');
  const out = openSync(envFile, 'a');
  const err = openSync(logFile, 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'tools/remote-cache/src/main.ts')], {
    cwd: root,
    env,
    detached: true,
    stdio: ['ignore', out, err],
  });
  closeSync(out);
  closeSync(err);
  let exitCode: number | null | undefined;
  child.once('exit', (code) => (exitCode = code));
  child.unref();

  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const exports = readFileSync(envFile, 'utf8');
    const url = exports.match(/NX_SELF_HOSTED_REMOTE_CACHE_SERVER=(\S+)/)?.[1];
    if (url) {
      writeFileSync(join(dir, 'remote-cache.pid'), String(child.pid));
      log(`remote cache serving at ${url} (log: ${logFile})`);
      return { envFile, url, pid: child.pid };
    }
    if (exitCode !== undefined) {
      const said = existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n').slice(-3).join(' | ') : '';
      if (exitCode === 0) {
        log(said || 'WARNING: the remote cache is off; continuing without it');
        return { envFile };
      }
      throw new Error(`the remote cache adapter failed (exit code ${exitCode}): ${said}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGTERM');
  log(`WARNING: the remote cache did not start within ${timeoutMs / 1000}s; continuing without it`);
  writeFileSync(envFile, '');
  return { envFile };
}
