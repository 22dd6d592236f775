import { pushRelease } from '@gantry/release';
import { baseStoreFromEnv } from '../base-store';
import { releaseTarget } from '../release-target';
import { recordPlan } from '../rollout';
import { registryFromEnv } from '../settings';
import { loadState } from '../state';
import type { StepContext } from '../step-context';
import type { DeployState } from './deploy';
import type { VersionState } from './version';

/**
 * Step "record", once deploy and smoke passed: record each deployed image as what runs (SSM in AWS, a file
 * locally), push the release commit and its tags to the branch in one atomic push, then store the released
 * commit as the next base. What runs is recorded first: it runs even if the push is refused.
 */
export async function recordStep(context: StepContext): Promise<string | null> {
  const { root, env, log } = context;
  const version = loadState<VersionState>(root, 'version');
  if (version.supersededBy) {
    log(`superseded by ${version.supersededBy.slice(0, 7)}: nothing to record`);
    return null;
  }
  const deployed = loadState<DeployState>(root, 'deploy');
  if (deployed.mode !== 'synth') {
    await recordPlan(context, deployed.plan, deployed.mode, deployed.envName, version.head, await registryFromEnv(env));
  }
  pushRelease({
    root,
    ...(await releaseTarget(env, { withToken: true })),
    commit: version.head,
    tags: version.tags,
    log,
  });
  const store = baseStoreFromEnv(root, env);
  await store.write(version.head);
  log(`recorded ${version.head} as the last deployed commit in ${store.label}`);
  return version.head;
}
