import { runNx } from '@gantry/process';
import type { BaseDecision } from './base-decision';

/** The `--base/--head` arguments for an affected command; none when everything is built. */
export function affectedArgs(decision: BaseDecision): string[] {
  return decision.base ? ['--base', decision.base, '--head', decision.head] : [];
}

/**
 * The Nx projects the decision covers: the affected ones, or all of them when everything is built; less
 * those `exclude` names (projects or patterns, as nx --exclude takes them).
 */
export async function coveredProjects(
  root: string,
  decision: BaseDecision,
  env: NodeJS.ProcessEnv,
  exclude: readonly string[] = [],
): Promise<string[]> {
  const args = ['show', 'projects', '--json'];
  if (decision.base) args.push('--affected', ...affectedArgs(decision));
  if (exclude.length > 0) args.push(`--exclude=${exclude.join(',')}`);
  const { code, lines } = await runNx(root, args, { env });
  const json = lines.find((line) => line.startsWith('['));
  if (code !== 0 || !json) throw new Error(`nx ${args.join(' ')} failed:\n${lines.slice(-10).join('\n')}`);
  return (JSON.parse(json) as string[]).sort();
}
