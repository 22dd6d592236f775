import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { BaseDecision } from './base';

/** Runs the workspace's own Nx CLI, streaming each line to `onLine`; resolves with the exit code and the lines. */
export function runNx(root: string, args: string[], env: NodeJS.ProcessEnv, onLine: (line: string) => void): Promise<{ code: number; lines: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'node_modules/nx/dist/bin/nx.js'), ...args], {
      cwd: root,
      env: { ...env, NX_DAEMON: 'false', NX_TUI: 'false', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        lines.push(line);
        onLine(line);
      });
    }
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? 1, lines }));
  });
}

/** The `--base/--head` arguments for an affected command, or `--all`-style when everything is built. */
export function affectedArgs(decision: BaseDecision): string[] {
  return decision.base ? ['--base', decision.base, '--head', decision.head] : [];
}

/** Projects with `target` that the decision covers: affected ones, or all of them. */
export async function projectsWithTarget(root: string, decision: BaseDecision, target: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  const args = ['show', 'projects', `--withTarget=${target}`, '--json'];
  if (decision.base) args.push('--affected', ...affectedArgs(decision));
  const { code, lines } = await runNx(root, args, env, () => undefined);
  const json = lines.find((line) => line.startsWith('['));
  if (code !== 0 || !json) throw new Error(`nx ${args.join(' ')} failed:\n${lines.slice(-10).join('\n')}`);
  return (JSON.parse(json) as string[]).sort();
}
