export { CatalogError } from './catalog-error';
export {
  DATABASE_SIZES,
  DATABASE_VARIABLES,
  databaseSecretName,
  databaseServices,
  MIGRATE_ARGUMENT,
  MIGRATE_COMMAND,
  taskSecrets,
  type DatabaseSizing,
  type DatabaseVariable,
} from './database';
export { resolveEnv, serviceReferences } from './env-refs';
export {
  APP_CONTAINER_NAME,
  bundleMetafilePath,
  clusterName,
  ecsNames,
  type EcsNames,
  bundlePath,
  DEFAULT_REPOSITORY_PREFIX,
  deployedTag,
  imageReference,
  manifestPath,
  parameterArn,
  parameterNames,
  releaseTokenSecretName,
  repositoryName,
  SERVICE_DOCKERFILE,
  serviceFolder,
  stackNames,
} from './identity';
export { loadCatalog, SERVICE_FILE } from './load';
export {
  listenerPriorities,
  matchesPattern,
  NOT_FOUND_BODY,
  pathPatterns,
  PRODUCTION_PRIORITY_OFFSET,
  routeFor,
  TEST_TRAFFIC_HEADER,
} from './routing';
export {
  DEFAULT_DEPLOYMENT,
  deploymentOf,
  type Database,
  type DatabaseSize,
  ServiceEntrySchema,
  type Deployment,
  type SecretReference,
  type ServiceEntry,
} from './schema';
export { serviceVersion } from './service-version';
export { DEFAULT_SHARDING } from './sharding';
export { SHUTDOWN_TIMING, shutdownTiming, type ShutdownTiming } from './shutdown-timing';
export { catalogProblems, entryProblems, parseEntry, validateCatalog } from './validate';
