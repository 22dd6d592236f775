import { describeBase, resolveBase, type BaseDecision } from './base';
import { runChecks, type CheckResult } from './checks';
import { Git } from './git';
import { loadState, saveState } from './state';
import { baseStoreFromEnv } from './stores';

export interface StepContext {
  root: string;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
}

/** Step "base": decide what to diff against and leave the decision for the later steps. */
export async function baseStep({ root, env, log }: StepContext): Promise<BaseDecision> {
  const decision = await resolveBase(new Git(root), baseStoreFromEnv(root, env), log);
  for (const line of describeBase(decision)) log(line);
  saveState(root, 'base', decision);
  return decision;
}

/** Step "checks": lint, typecheck, test and build what the base decision covers; throws when a task fails. */
export async function checksStep({ root, env, log }: StepContext): Promise<CheckResult> {
  const decision = loadState<BaseDecision>(root, 'base');
  // GANTRY_CHECKS_EXCLUDE: comma-separated projects to leave out (nx --exclude), e.g. slow suites in a test harness.
  const exclude = (env['GANTRY_CHECKS_EXCLUDE'] ?? '').split(',').map((name) => name.trim()).filter(Boolean);
  if (exclude.length > 0) log(`leaving out of the checks: ${exclude.join(', ')}`);
  const result = await runChecks(root, decision, env, log, undefined, exclude);
  saveState(root, 'checks', result);
  log(`checks: ${result.tasks} tasks, ${result.ran} ran, ${result.localHits} from the local cache, ${result.remoteHits} from the remote cache`);
  if (!result.ok) {
    throw new Error(`checks failed (${result.failed.join(', ') || 'see the output above'}); nothing will be versioned, pushed or deployed`);
  }
  return result;
}

/** Step "record": after a successful deploy, the deployed commit becomes the next base. */
export async function recordStep({ root, env, log }: StepContext): Promise<string> {
  const { head } = loadState<BaseDecision>(root, 'base');
  const store = baseStoreFromEnv(root, env);
  await store.write(head);
  log(`recorded ${head} as the last deployed commit in ${store.label}`);
  return head;
}
