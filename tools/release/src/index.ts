export {
  releaseAffected,
  seedReleaseTags,
  parseNxReleaseOutput,
  RELEASE_COMMIT,
  CONVENTIONAL,
  type ReleaseOptions,
  type ReleaseResult,
  type ReleasedService,
} from './release';
