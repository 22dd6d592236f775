import type { ServiceEntry } from './schema';

// `${service:catalog}` in an env value stands for the base URL of service "catalog", which differs per
// environment (the local gateway, the Service Connect name in AWS), so it cannot be written literally.
const REFERENCE = /\$\{service:([a-z][a-z0-9-]*)\}/g;

/** Every [variable, referenced service] pair in an entry's env. */
export function serviceReferences(entry: ServiceEntry): Array<[string, string]> {
  return Object.entries(entry.env).flatMap(([variable, value]) =>
    [...value.matchAll(REFERENCE)].map((match): [string, string] => [variable, match[1]]),
  );
}

/** The entry's env with every service reference replaced by `baseUrl(name)`. */
export function resolveEnv(entry: ServiceEntry, baseUrl: (service: string) => string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(entry.env).map(([variable, value]) => [
      variable,
      value.replace(REFERENCE, (_, service: string) => baseUrl(service)),
    ]),
  );
}
