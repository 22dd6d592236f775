export { CatalogError } from './catalog-error';
export { resolveEnv, serviceReferences } from './env-refs';
export { loadCatalog, SERVICE_FILE } from './load';
export { imageParameterName, platformUrlParameterName } from './parameters';
export { matchesPattern, NOT_FOUND_BODY, pathPatterns, routeFor } from './routing';
export { ServiceEntrySchema, type SecretReference, type ServiceEntry } from './schema';
export { catalogProblems, entryProblems, parseEntry, validateCatalog } from './validate';
