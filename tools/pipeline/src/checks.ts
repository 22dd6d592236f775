import type { BaseDecision } from './base';
import { affectedArgs, runNx } from './nx';

export const CHECK_TARGETS = ['lint', 'typecheck', 'test', 'build'];

export interface CheckResult {
  ok: boolean;
  tasks: number;
  ran: number;
  localHits: number;
  remoteHits: number;
  failed: string[];
}

// Nx prints one line per task: "> nx run <project>:<target>" plus a marker when it came from a cache.
const TASK_LINE = /^> nx run (\S+?)(?::\S+)?\s*(?:\[([^\]]+)\])?$/;

/** Counts tasks and where their results came from, from Nx's static output. */
export function summarizeTasks(lines: readonly string[]): Omit<CheckResult, 'ok'> {
  let tasks = 0;
  let localHits = 0;
  let remoteHits = 0;
  const failed: string[] = [];
  for (const line of lines) {
    const match = line.trim().match(TASK_LINE);
    if (match) {
      tasks += 1;
      const marker = match[2] ?? '';
      if (marker === 'remote cache') remoteHits += 1;
      else if (marker === 'local cache' || marker.startsWith('existing outputs match the cache')) localHits += 1;
    }
  }
  const failedAt = lines.findIndex((line) => line.trim() === 'Failed tasks:');
  if (failedAt >= 0) {
    for (const line of lines.slice(failedAt + 1)) {
      const task = line.trim().match(/^- (\S+)$/);
      if (task) failed.push(task[1]);
      else if (failed.length > 0 && line.trim() !== '') break;
    }
  }
  return { tasks, ran: tasks - localHits - remoteHits, localHits, remoteHits, failed };
}

/** `nx affected -t lint typecheck test build` (or every project when there is no base), in parallel. */
export async function runChecks(
  root: string,
  decision: BaseDecision,
  env: NodeJS.ProcessEnv,
  onLine: (line: string) => void,
  targets = CHECK_TARGETS,
  exclude: string[] = [],
): Promise<CheckResult> {
  const args = decision.base
    ? ['affected', '-t', ...targets, ...affectedArgs(decision)]
    : ['run-many', '-t', ...targets];
  args.push('--parallel=2', '--output-style=static');
  if (exclude.length > 0) args.push(`--exclude=${exclude.join(',')}`);
  const { code, lines } = await runNx(root, args, env, onLine);
  return { ok: code === 0, ...summarizeTasks(lines) };
}
