export { CatalogError } from './catalog-error';
export { resolveEnv, serviceReferences } from './env-refs';
export {
  bundlePath,
  DEFAULT_REPOSITORY_PREFIX,
  imageReference,
  manifestPath,
  parameterArn,
  parameterNames,
  releaseTokenSecretName,
  repositoryName,
  serviceFolder,
  stackNames,
} from './identity';
export { loadCatalog, SERVICE_FILE } from './load';
export { matchesPattern, NOT_FOUND_BODY, pathPatterns, routeFor } from './routing';
export { ServiceEntrySchema, type SecretReference, type ServiceEntry } from './schema';
export { serviceVersion } from './service-version';
export { catalogProblems, entryProblems, parseEntry, validateCatalog } from './validate';
