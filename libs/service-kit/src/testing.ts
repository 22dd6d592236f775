import type { TProperties } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { loadServiceConfig } from './run';
import { buildService, type ServiceDefinition } from './service';

export { hostileText, requestsTo, responseProblems, type ServiceSurface } from './property-testing';

/** Builds a service for `inject()` tests: quiet logs, no metrics port, no shutdown delay, no load shedding (a busy CI box would trip it), plus `env`. */
export async function buildTestService<P extends TProperties>(
  definition: ServiceDefinition<P>,
  env: Record<string, string> = {},
): Promise<FastifyInstance> {
  const config = loadServiceConfig(definition, {
    LOG_LEVEL: 'silent',
    METRICS_PORT: '0',
    SHUTDOWN_DELAY_MS: '0',
    MAX_EVENT_LOOP_DELAY_MS: '0',
    ...env,
  });
  return buildService(definition, config);
}
