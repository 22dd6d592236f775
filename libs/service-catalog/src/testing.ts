import type { ServiceEntry } from './schema';

/** A valid catalog entry for service `name`; `n` keeps its ports and priority apart from other services'. */
export function sampleEntry(
  name: string,
  n: number,
  overrides: Partial<ServiceEntry> | Record<string, unknown> = {},
): ServiceEntry {
  return {
    name,
    prefix: `/${name}`,
    port: 3100 + n,
    metricsPort: 9100 + n,
    healthPath: `/${name}/ready`,
    cpu: 256,
    memory: 512,
    minTasks: 1,
    maxTasks: 2,
    priority: n * 10,
    env: {},
    secrets: {},
    ...overrides,
  } as ServiceEntry;
}
