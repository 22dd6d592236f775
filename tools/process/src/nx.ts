import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { runLines, type LinesResult } from './run-lines';

/** Plain, non-interactive, daemon-less Nx: output a parser can read, and nothing left running. */
export const NX_ENV = {
  NX_DAEMON: 'false',
  NX_NO_CLOUD: 'true',
  NX_TUI: 'false',
  NX_INTERACTIVE: 'false',
  FORCE_COLOR: '0',
};

/** The workspace's own Nx CLI script (the pinned version, never a global one). */
export function nxScript(root: string): string {
  return join(root, 'node_modules/nx/dist/bin/nx.js');
}

/** Runs Nx in `root`, streaming each line to `onLine`; resolves with the exit code and every line. */
export function runNx(
  root: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; onLine?: (line: string) => void } = {},
): Promise<LinesResult> {
  return runLines(
    process.execPath,
    [nxScript(root), ...args],
    { cwd: root, env: { ...(options.env ?? process.env), ...NX_ENV } },
    options.onLine,
  );
}

/** Runs Nx in `root` and returns its stdout; throws with Nx's output when it fails. */
export function nxSync(root: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
  return execFileSync(process.execPath, [nxScript(root), ...args], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...env, ...NX_ENV },
    maxBuffer: 64 << 20,
  });
}
