export { releaseAffected, type ReleaseOptions, type ReleaseResult, type ReleasedService } from './release';
export { fetchBranch, pushRelease, remoteBranchHead, type PushOptions, type PushResult } from './push';
export { classify, RELEASE_COMMIT, CONVENTIONAL, type CommitKind, type LintFinding } from './commits';
export { seedMissingTags, latestTag } from './seed';
