import { Git } from '@gantry/process';
import {
  fetchBranch,
  releaseAffected,
  remoteBranchHead,
  type LintFinding,
  type ReleasedService,
} from '@gantry/release';
import { repositoryName } from '@gantry/service-catalog';
import { releaseTarget } from '../release-target';
import { registryFromEnv, repositoryPrefix } from '../settings';
import { firstFreeVersion } from '../spent-versions';
import { loadState, saveState } from '../state';
import type { StepContext } from '../step-context';
import type { BaseState } from './base';

export interface VersionState {
  /** The commit the checks ran on. */
  source: string;
  /** The commit images are built from and the branch is pushed to: the release commit, or `source` when nothing was released. */
  head: string;
  released: ReleasedService[];
  /** Tags to push with `head` in the record step (new versions and seeded baselines). */
  tags: string[];
  lint: LintFinding[];
  /** Set when the branch already holds a newer commit: its own run releases this change too, so this run stops. */
  supersededBy?: string;
}

/**
 * Step "version": after the checks pass, version the affected services with nx release (a release commit
 * and one tag per service, made locally). Nothing is pushed here: the record step pushes the commit and its
 * tags after the images are pushed and deployed, so no tag ever names an image that does not exist.
 */
export async function versionStep({ root, env, log }: StepContext): Promise<VersionState> {
  const { head, base } = loadState<BaseState>(root, 'base');
  const target = await releaseTarget(env);
  const git = new Git(root);
  const tip = remoteBranchHead(root, target.remote, target.branch, target.token);
  if (tip && tip !== head && !(await git.commitExists(tip)))
    fetchBranch(root, target.remote, target.branch, target.token);
  if (tip && tip !== head && (await git.isAncestor(head, tip))) {
    log(
      `${target.branch} on ${target.remote} is already at ${tip.slice(0, 7)}, newer than ${head.slice(0, 7)}: its run releases this change too; this run stops here`,
    );
    const state: VersionState = { source: head, head, released: [], tags: [], lint: [], supersededBy: tip };
    saveState(root, 'version', state);
    return state;
  }
  const registry = await registryFromEnv(env);
  if (!registry) log('GANTRY_REGISTRY is not set: versions are not checked against the images already pushed');
  const result = await releaseAffected({
    root,
    log,
    lintFrom: base,
    nextFreeVersion: registry
      ? (service, computed) =>
          firstFreeVersion(registry, repositoryName(service, repositoryPrefix(env)), computed, head)
      : undefined,
  });
  if (result.released.length === 0 && !result.skipped) log('no service has a release-worthy change: no version moves');
  const state: VersionState = {
    source: head,
    head: result.commit ?? head,
    released: result.released,
    tags: result.tags,
    lint: result.lint,
  };
  saveState(root, 'version', state);
  return state;
}
