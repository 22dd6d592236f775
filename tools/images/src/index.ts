export { buildImage, buildxArgs, cacheRefFor, detectBuildx, parseBuildxMetadata, type BuildImageOptions, type BuildxSupport, type BuiltImage } from './build';
export { DEPLOY_MANIFEST, deployManifest, writeDeployManifest, type DeployedService, type DeployManifest, type ManifestEntry } from './manifest';
export {
  assertNoConflicts,
  executePublish,
  formatTagConflict,
  imageTags,
  ImmutableTagError,
  planPublish,
  publishImage,
  type PublishOptions,
  type PublishPlan,
  type PublishResult,
  type PushedImage,
  type TagConflict,
} from './publish';
export { MANIFEST_ACCEPT, MEDIA_TYPES, registryClient, registryUrl, sha256Digest, type Manifest, type RegistryAuth, type RegistryClient, type RegistryClientOptions } from './registry-client';
export {
  DEFAULT_REGISTRY_PORT,
  defaultRegistryLayout,
  ensureRegistryInstalled,
  REGISTRY_BINARY,
  registryAnswers,
  registryConfig,
  registryLayout,
  startRegistry,
  stopRegistry,
  type RegistryLayout,
} from './registry-server';
export { publishedEarlier, runImageStep, serviceVersion, type ImageStepOptions, type ServiceImageResult } from './step';
