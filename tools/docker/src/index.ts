export { aptInstall } from './apt';
export {
  buildLocalBaseImage,
  LOCAL_BASE_REPOSITORY,
  LOCAL_NODE,
  localNodeBinary,
  npmPack,
  pinnedNode,
  sharedLibraries,
  type LocalBaseImageOptions,
  type LocalNodeOptions,
  type NodePackage,
  type PackTarball,
} from './base-image';
export { dockerCli, type Docker } from './docker-cli';
export {
  defaultEngineLayout,
  dockerdArgs,
  engineAnswers,
  engineLayout,
  startEngine,
  stopEngine,
  type EngineLayout,
} from './engine';
export {
  DEFAULT_REGISTRY_PORT,
  defaultRegistryLayout,
  REGISTRY_BINARY,
  registryAnswers,
  registryConfig,
  registryLayout,
  startRegistry,
  stopRegistry,
  type RegistryLayout,
} from './registry';
