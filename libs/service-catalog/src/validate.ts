import { Value } from '@sinclair/typebox/value';
import { CatalogError } from './catalog-error';
import { PRODUCTION_PRIORITY_OFFSET } from './routing';
import { ServiceEntrySchema, type ServiceEntry } from './schema';
import { serviceReferences } from './env-refs';
import { DATABASE_VARIABLES } from './database';

// Fargate accepts only these memory ranges (MiB) for each cpu size, in steps of 1024
// (cpu 256 also takes 512), so e.g. 1536 is never a valid Fargate memory size.
const FARGATE_MEMORY: Record<number, [number, number]> = {
  256: [512, 2048],
  512: [1024, 4096],
  1024: [2048, 8192],
  2048: [4096, 16384],
  4096: [8192, 30720],
};

/** Checks one entry on its own; `source` names it in every message (a file path or service name). */
export function entryProblems(source: string, raw: unknown): string[] {
  if (!Value.Check(ServiceEntrySchema, raw)) {
    // One message per field: a union reports every branch, which only adds noise.
    const byField = new Map<string, string>();
    for (const e of Value.Errors(ServiceEntrySchema, raw)) {
      const field = fieldName(e.path);
      if (!byField.has(field)) byField.set(field, `${source}: field "${field}" ${e.message}${describeValue(e.value)}`);
    }
    return [...byField.values()];
  }
  const entry = raw;
  const problems: string[] = [];
  const [minMemory, maxMemory] = FARGATE_MEMORY[entry.cpu];
  const inSteps = entry.memory % 1024 === 0 || entry.memory === minMemory;
  if (entry.memory < minMemory || entry.memory > maxMemory || !inSteps) {
    const allowed = entry.cpu === 256 ? '512, 1024 or 2048' : `${minMemory}-${maxMemory} in steps of 1024`;
    problems.push(
      `${source}: field "memory" ${entry.memory} is not valid with cpu ${entry.cpu}; Fargate allows ${allowed}`,
    );
  }
  if (entry.priority > PRODUCTION_PRIORITY_OFFSET) {
    problems.push(
      `${source}: field "priority" ${entry.priority} is over ${PRODUCTION_PRIORITY_OFFSET}: the service's production listener rule takes priority + ${PRODUCTION_PRIORITY_OFFSET}, and the ALB allows at most 50000`,
    );
  }
  if (entry.minTasks > entry.maxTasks) {
    problems.push(`${source}: field "minTasks" (${entry.minTasks}) is greater than "maxTasks" (${entry.maxTasks})`);
  }
  if (entry.port === entry.metricsPort) {
    problems.push(`${source}: field "metricsPort" must differ from "port" (${entry.port})`);
  }
  if (!entry.healthPath.startsWith(`${entry.prefix}/`)) {
    problems.push(`${source}: field "healthPath" "${entry.healthPath}" must sit under the prefix "${entry.prefix}/"`);
  }
  for (const key of Object.keys(entry.secrets)) {
    if (key in entry.env) problems.push(`${source}: "${key}" is declared in both "env" and "secrets"`);
  }
  if (entry.database) {
    for (const key of Object.keys({ ...entry.env, ...entry.secrets })) {
      if (key in DATABASE_VARIABLES) {
        problems.push(`${source}: "${key}" comes from the "database" block; remove it from "env" and "secrets"`);
      }
    }
    if ([entry.port, entry.metricsPort].includes(entry.database.port)) {
      problems.push(`${source}: field "database.port" ${entry.database.port} is the service's own port`);
    }
  }
  return problems;
}

/** Checks what only the whole catalog can tell: clashes and references between services. */
export function catalogProblems(entries: readonly ServiceEntry[]): string[] {
  const problems: string[] = [];
  const unique = ['name', 'prefix', 'priority'] as const;
  for (const field of unique) {
    const seen = new Map<unknown, string>();
    for (const entry of entries) {
      const owner = seen.get(entry[field]);
      if (owner) problems.push(`services "${owner}" and "${entry.name}" share ${field} ${entry[field]}`);
      else seen.set(entry[field], entry.name);
    }
  }
  // Locally every service shares one host, so no two ports of any kind may collide.
  const ports = new Map<number, string>();
  for (const entry of entries) {
    const used = { port: entry.port, metricsPort: entry.metricsPort, 'database.port': entry.database?.port };
    for (const [field, port] of Object.entries(used)) {
      if (port === undefined) continue;
      const owner = ports.get(port);
      if (owner) problems.push(`services "${owner}" and "${entry.name}" both use port ${port} (${field})`);
      else ports.set(port, `${entry.name}`);
    }
  }
  const names = new Set(entries.map((e) => e.name));
  for (const entry of entries) {
    for (const [variable, target] of serviceReferences(entry)) {
      if (!names.has(target)) {
        problems.push(`service "${entry.name}": env "${variable}" refers to unknown service "${target}"`);
      }
    }
  }
  return problems;
}

/** Validates a whole catalog, throwing one CatalogError that lists every problem. */
export function validateCatalog(sources: ReadonlyArray<{ source: string; raw: unknown }>): ServiceEntry[] {
  const problems = sources.flatMap(({ source, raw }) => entryProblems(source, raw));
  if (problems.length > 0) throw new CatalogError(problems);
  const entries = sources.map(({ raw }) => raw as ServiceEntry);
  const clashes = catalogProblems(entries);
  if (clashes.length > 0) throw new CatalogError(clashes);
  return [...entries].sort((a, b) => a.priority - b.priority);
}

function fieldName(path: string): string {
  return path.replace(/^\//, '').replace(/\//g, '.') || '(root)';
}

function describeValue(value: unknown): string {
  return value === undefined ? '' : ` (got ${JSON.stringify(value)})`;
}

/** Validates one entry (the one a service bundles) and returns it typed, or throws naming the problem. */
export function parseEntry(source: string, raw: unknown): ServiceEntry {
  const problems = entryProblems(source, raw);
  if (problems.length > 0) throw new CatalogError(problems);
  return raw as ServiceEntry;
}
