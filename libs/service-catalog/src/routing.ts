import type { ServiceEntry } from './schema';

/** The listener-rule path patterns of a service: the bare prefix and everything below it. */
export function pathPatterns(entry: Pick<ServiceEntry, 'prefix'>): [string, string] {
  return [entry.prefix, `${entry.prefix}/*`];
}

/**
 * Requests carrying this header (value "1") take a service's test route during a blue/green deploy: they
 * reach the new version before production traffic does. The ALB's test listener rule and the local gateway
 * both match it; the checks before traffic send it.
 */
export const TEST_TRAFFIC_HEADER = 'x-gantry-test-traffic';

/**
 * The ALB tries rules from the lowest priority up, and a service's test rule (its paths AND the test header) must
 * come before its production rule (its paths alone), or the production rule would take every request. So every test
 * rule sits at its catalog priority (1 to this) and every production rule at catalog priority + this (up to the ALB's
 * 50000): no rule of one service can take another service's priority, and the catalog's order holds in both bands.
 */
export const PRODUCTION_PRIORITY_OFFSET = 25_000;

/** The listener priorities of a service's two ALB rules, derived from its catalog priority. */
export function listenerPriorities(entry: Pick<ServiceEntry, 'priority'>): { production: number; test: number } {
  return { production: entry.priority + PRODUCTION_PRIORITY_OFFSET, test: entry.priority };
}

/** The ALB's default action body, shared by the local gateway and the CDK listener. */
export const NOT_FOUND_BODY = JSON.stringify({
  statusCode: 404,
  error: 'Not Found',
  message: 'No service is routed at this path',
});

/**
 * ALB path-pattern semantics: case-sensitive, matched against the path without the query,
 * `*` matches any run of characters and `?` exactly one.
 */
export function matchesPattern(pattern: string, path: string): boolean {
  const source = pattern
    .split('')
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`).test(path);
}

/** The first service, in listener-priority order, whose rule matches the request URL; undefined means the default 404. */
export function routeFor<T extends Pick<ServiceEntry, 'prefix' | 'priority'>>(
  entries: readonly T[],
  url: string,
): T | undefined {
  const path = url.split('?')[0];
  return [...entries]
    .sort((a, b) => a.priority - b.priority)
    .find((entry) => pathPatterns(entry).some((pattern) => matchesPattern(pattern, path)));
}
