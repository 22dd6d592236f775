import { table } from '@gantry/process';
import { pathPatterns } from '@gantry/service-catalog';
import type { GatewayRoute } from './gateway';

/** The routes the gateway applies, in rule order, as a plain-text table. */
export function routeTable(gatewayUrl: string, routes: readonly GatewayRoute[]): string {
  const rows = [...routes]
    .sort((a, b) => a.priority - b.priority)
    .map((route) => [
      String(route.priority),
      route.name,
      pathPatterns(route).join(', '),
      `${gatewayUrl}${route.prefix}`,
      route.url,
    ]);
  rows.push(['default', '-', '*', 'fixed 404 JSON', '-']);
  return table(['priority', 'service', 'patterns', 'through the gateway', 'direct'], rows);
}
