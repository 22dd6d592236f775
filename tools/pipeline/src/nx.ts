import { join } from 'node:path';
import type { BaseDecision } from './base';
import { runLines } from './run-lines';

/** Runs the workspace's own Nx CLI, streaming each line to `onLine`; resolves with the exit code and the lines. */
export function runNx(root: string, args: string[], env: NodeJS.ProcessEnv, onLine: (line: string) => void): Promise<{ code: number; lines: string[] }> {
  return runLines(join(root, 'node_modules/nx/dist/bin/nx.js'), args, { cwd: root, env: { ...env, NX_DAEMON: 'false', NX_TUI: 'false', FORCE_COLOR: '0' } }, onLine);
}

/** The `--base/--head` arguments for an affected command, or `--all`-style when everything is built. */
export function affectedArgs(decision: BaseDecision): string[] {
  return decision.base ? ['--base', decision.base, '--head', decision.head] : [];
}

/** Projects the decision covers (affected ones, or all of them), only those with `withTarget` when given. */
export async function coveredProjects(root: string, decision: BaseDecision, env: NodeJS.ProcessEnv, withTarget?: string): Promise<string[]> {
  const args = ['show', 'projects', ...(withTarget ? [`--withTarget=${withTarget}`] : []), '--json'];
  if (decision.base) args.push('--affected', ...affectedArgs(decision));
  const { code, lines } = await runNx(root, args, env, () => undefined);
  const json = lines.find((line) => line.startsWith('['));
  if (code !== 0 || !json) throw new Error(`nx ${args.join(' ')} failed:\n${lines.slice(-10).join('\n')}`);
  return (JSON.parse(json) as string[]).sort();
}
