export {
  buildArgs,
  buildImage,
  buildxArgs,
  classicArgs,
  defaultNodeImage,
  detectBuildx,
  imageSize,
  nodeMajorOf,
  parseBuildxMetadata,
  SERVICE_DOCKERFILE,
  stageContext,
  type BuildImageOptions,
  type BuildxSupport,
  type BuiltImage,
} from './build';
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
export {
  MANIFEST_ACCEPT,
  MEDIA_TYPES,
  registryClient,
  registryUrl,
  sha256Digest,
  type Manifest,
  type RegistryAuth,
  type RegistryClient,
  type RegistryClientOptions,
} from './registry-client';
export { buildLocalServiceImages, type LocalServiceImage } from './local-images';
export { publishedEarlier, runImageStep, type ImageStepOptions, type ServiceImageResult } from './step';
