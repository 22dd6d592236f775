import { pushRelease } from '@gantry/release';
import { describeBase, resolveBase, type BaseDecision } from './base';
import { runChecks, type CheckResult } from './checks';
import { Git } from './git';
import { loadState, saveState } from './state';
import { baseStoreFromEnv } from './stores';
import { releaseTarget, type VersionState } from './version-step';

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

/**
 * Step "record": after a successful deploy, push the release commit and its tags to the branch in one
 * atomic push, then store the released commit as the next base. Tags go public only here, after the
 * images exist and the deploy worked.
 */
export async function recordStep({ root, env, log }: StepContext): Promise<string | null> {
  const version = loadState<VersionState>(root, 'version');
  if (version.supersededBy) {
    log(`superseded by ${version.supersededBy.slice(0, 7)}: nothing to record`);
    return null;
  }
  const target = releaseTarget(env);
  pushRelease({ root, ...target, commit: version.head, tags: version.tags, log });
  const store = baseStoreFromEnv(root, env);
  await store.write(version.head);
  log(`recorded ${version.head} as the last deployed commit in ${store.label}`);
  return version.head;
}
