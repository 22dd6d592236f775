import { pushRelease } from '@gantry/release';
import { baseStoreFromEnv } from '../base-store';
import { releaseTarget } from '../release-target';
import { loadState } from '../state';
import type { StepContext } from '../step-context';
import type { VersionState } from './version';

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
  pushRelease({ root, ...releaseTarget(env), commit: version.head, tags: version.tags, log });
  const store = baseStoreFromEnv(root, env);
  await store.write(version.head);
  log(`recorded ${version.head} as the last deployed commit in ${store.label}`);
  return version.head;
}
