import { runNx } from '@gantry/process';
import { affectedArgs, coveredProjects } from '../affected';
import { loadState, saveState } from '../state';
import type { StepContext } from '../step-context';
import { summarizeTasks, type TaskSummary } from '../task-summary';
import type { BaseState } from './base';

export const CHECK_TARGETS = ['lint', 'typecheck', 'test', 'build'];

export interface ChecksState extends TaskSummary {
  ok: boolean;
  /** The Nx projects this run covers (affected, or all): the images and deploy steps read them here. */
  projects: string[];
}

/** GANTRY_CHECKS_EXCLUDE: comma-separated projects or patterns (`tag:type:tool`) to leave out, as nx --exclude takes them. */
function excluded(env: NodeJS.ProcessEnv): string[] {
  return (env['GANTRY_CHECKS_EXCLUDE'] ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
}

/**
 * Step "checks": `nx affected -t lint typecheck test build` (every project when there is no base), in
 * parallel; throws when a task fails, so nothing is versioned, pushed or deployed after a failure.
 */
export async function checksStep({ root, env, log }: StepContext): Promise<ChecksState> {
  const decision = loadState<BaseState>(root, 'base');
  const exclude = excluded(env);
  if (exclude.length > 0) log(`leaving out of the checks: ${exclude.join(', ')}`);
  const args = decision.base
    ? ['affected', '-t', ...CHECK_TARGETS, ...affectedArgs(decision)]
    : ['run-many', '-t', ...CHECK_TARGETS];
  args.push('--parallel=2', '--output-style=static');
  if (exclude.length > 0) args.push(`--exclude=${exclude.join(',')}`);
  const { code, lines } = await runNx(root, args, { env, onLine: log });
  const result: ChecksState = {
    ok: code === 0,
    ...summarizeTasks(lines),
    projects: code === 0 ? await coveredProjects(root, decision, env) : [],
  };
  saveState(root, 'checks', result);
  log(
    `checks: ${result.tasks} tasks, ${result.ran} ran, ${result.localHits} from the local cache, ${result.remoteHits} from the remote cache`,
  );
  if (!result.ok) {
    throw new Error(
      `checks failed (${result.failed.join(', ') || 'see the output above'}); nothing will be versioned, pushed or deployed`,
    );
  }
  return result;
}
