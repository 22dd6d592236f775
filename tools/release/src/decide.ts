import { classify } from './commits';
import type { Commit } from './commits';

/** What the release does for one service, given its relevant commits since its tag and nx release's proposal. */
export type Decision =
  | { kind: 'conventional' }
  /** No bump from nx, but a change reached the service: ship it as a patch (and say which commits). */
  | { kind: 'patch'; unclassified: Commit[] }
  | { kind: 'none' };

/**
 * `relevant`: the commits since the service's tag that touched the service or a project it depends on
 * (release commits excluded). `proposed`: the version nx release computed, or null for no bump.
 * `imageChanged`: a commit since the tag changed a package in the service's bundle or the service
 * Dockerfile, so its image differs even when no commit touched its code.
 */
export function decide(
  relevant: readonly Commit[],
  proposed: string | null | undefined,
  imageChanged = false,
): Decision {
  const releasing = relevant.filter((commit) => classify(commit) === 'releasing');
  const unclassified = relevant.filter((commit) => classify(commit) === 'unclassified');
  if (proposed && releasing.length) return { kind: 'conventional' };
  if (unclassified.length || releasing.length || imageChanged) return { kind: 'patch', unclassified };
  // nx may still propose a bump, only because a root file changed (nrwl/nx#34211): that alone releases nothing.
  return { kind: 'none' };
}
