import { join } from 'node:path';
import {
  formatFiles,
  generateFiles,
  getProjects,
  installPackagesTask,
  names,
  readJson,
  updateJson,
  type GeneratorCallback,
  type Tree,
} from '@nx/devkit';
import { CatalogError, SERVICE_FILE, serviceFolder, validateCatalog, type ServiceEntry } from '@gantry/service-catalog';

export interface ServiceGeneratorSchema {
  name: string;
  prefix?: string;
  cpu?: number;
  memory?: number;
  minTasks?: number;
  maxTasks?: number;
  skipInstall?: boolean;
}

/** A generator refusal: one message that names the problem and what to do, and nothing written. */
export class ServiceGeneratorError extends Error {
  override readonly name = 'ServiceGeneratorError';
}

// Where new services' numbers start when the catalog is empty, and the gap between listener priorities, which
// leaves room to slot a service in between later.
const FIRST_PORT = 3001;
const FIRST_METRICS_PORT = 9101;
const PRIORITY_STEP = 10;

/** The catalog as it stands in the tree: every apps/<name>/service.json. */
function catalogIn(tree: Tree): Array<{ source: string; raw: unknown }> {
  if (!tree.exists('apps')) return [];
  return tree
    .children('apps')
    .map((folder) => join('apps', folder, SERVICE_FILE))
    .filter((source) => tree.exists(source))
    .map((source) => ({ source, raw: readJson(tree, source) }));
}

/** The next free number above every one in use: ports of either kind never collide, as the catalog requires. */
function nextFree(used: readonly number[], first: number): number {
  return used.length === 0 ? first : Math.max(first - 1, ...used) + 1;
}

/** The new service's catalog entry, with a port, metrics port and priority picked from the catalog. */
export function newEntry(existing: readonly ServiceEntry[], options: ServiceGeneratorSchema): ServiceEntry {
  const ports = existing.flatMap((entry) => [entry.port, entry.metricsPort]);
  const port = nextFree(
    ports.filter((p) => p < FIRST_METRICS_PORT),
    FIRST_PORT,
  );
  const metricsPort = nextFree(
    ports.filter((p) => p >= FIRST_METRICS_PORT),
    FIRST_METRICS_PORT,
  );
  const prefix = options.prefix ?? `/${options.name}`;
  return {
    name: options.name,
    prefix,
    port,
    metricsPort,
    healthPath: `${prefix}/ready`,
    cpu: options.cpu ?? 256,
    memory: options.memory ?? 512,
    minTasks: options.minTasks ?? 1,
    maxTasks: options.maxTasks ?? 4,
    priority: Math.max(0, ...existing.map((entry) => entry.priority)) + PRIORITY_STEP,
    env: {},
    secrets: {},
  } as ServiceEntry;
}

function checkName(tree: Tree, name: unknown): asserts name is string {
  const rule = 'lowercase letters, digits and dashes, starting with a letter, 2 to 31 characters';
  if (typeof name !== 'string' || !/^[a-z][a-z0-9-]{1,30}$/.test(name)) {
    throw new ServiceGeneratorError(
      `"${String(name)}" is not a valid service name (${rule}), for example: npx nx g @gantry/plugin:service orders`,
    );
  }
  if (tree.exists(serviceFolder(name))) {
    throw new ServiceGeneratorError(`${serviceFolder(name)} already exists: pick another name, or edit that service`);
  }
  const project = getProjects(tree).get(name);
  if (project !== undefined) {
    throw new ServiceGeneratorError(
      `an Nx project called "${name}" already exists (${project.root}): a service's Nx project is named after it, pick another name`,
    );
  }
}

/**
 * `npx nx g @gantry/plugin:service <name>`: a service on the service kit that builds, tests, runs behind the local
 * gateway, and is released and deployed by the pipeline with no other edit. The catalog validates the entry before
 * anything is written, so a bad option or a clash is refused with the catalog's own message.
 */
export async function serviceGenerator(tree: Tree, options: ServiceGeneratorSchema): Promise<GeneratorCallback> {
  checkName(tree, options.name);
  const sources = catalogIn(tree);
  let existing: ServiceEntry[];
  try {
    existing = validateCatalog(sources);
  } catch (error) {
    if (!(error instanceof CatalogError)) throw error;
    throw new ServiceGeneratorError(`the catalog is broken before adding a service; fix it first:\n${error.message}`);
  }
  const entry = newEntry(existing, options);
  const source = join(serviceFolder(entry.name), SERVICE_FILE);
  try {
    validateCatalog([...sources, { source, raw: entry }]);
  } catch (error) {
    if (!(error instanceof CatalogError)) throw error;
    throw new ServiceGeneratorError(`the new service would break the catalog:\n${error.message}`);
  }

  const folder = serviceFolder(entry.name);
  generateFiles(tree, join(__dirname, 'files'), folder, {
    name: entry.name,
    prefix: entry.prefix,
    propertyName: names(entry.name).propertyName,
    tmpl: '',
  });
  tree.write(join(folder, SERVICE_FILE), `${JSON.stringify(entry, null, 2)}\n`);
  // What `nx sync` would add: the root solution's reference to the new project.
  updateJson(tree, 'tsconfig.json', (tsconfig: { references?: Array<{ path: string }> }) => {
    const references = tsconfig.references ?? [];
    if (!references.some((reference) => reference.path === `./${folder}`)) references.push({ path: `./${folder}` });
    return { ...tsconfig, references };
  });
  await formatFiles(tree);
  // npm links the new workspace package and records it in package-lock.json, which `npm ci` needs.
  return () => {
    if (!options.skipInstall) installPackagesTask(tree, true);
  };
}

export default serviceGenerator;
