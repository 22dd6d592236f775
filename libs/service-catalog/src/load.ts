import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CatalogError } from './catalog-error';
import type { ServiceEntry } from './schema';
import { validateCatalog } from './validate';

export const SERVICE_FILE = 'service.json';

/**
 * Reads and validates every apps/<dir>/service.json under `workspaceRoot`.
 * Only data is read, never service code, so the CDK app and tools can use it freely.
 */
export function loadCatalog(workspaceRoot: string): ServiceEntry[] {
  const appsDir = join(workspaceRoot, 'apps');
  if (!existsSync(appsDir)) throw new CatalogError([`no apps/ folder under ${workspaceRoot}`]);
  const sources = readdirSync(appsDir, { withFileTypes: true })
    .filter((dir) => dir.isDirectory() && existsSync(join(appsDir, dir.name, SERVICE_FILE)))
    .map((dir) => {
      const file = join(appsDir, dir.name, SERVICE_FILE);
      const source = relative(workspaceRoot, file);
      return { source, folder: dir.name, raw: parseJson(source, readFileSync(file, 'utf8')) };
    });
  const folderMismatch = sources
    // A missing or non-string name is left to the schema check, which reports it precisely.
    .filter(({ folder, raw }) => isObject(raw) && typeof raw['name'] === 'string' && raw['name'] !== folder)
    .map(
      ({ source, folder, raw }) =>
        `${source}: field "name" is ${JSON.stringify((raw as Record<string, unknown>)['name'])} but the folder is "${folder}"; they must match`,
    );
  if (folderMismatch.length > 0) throw new CatalogError(folderMismatch);
  if (sources.length === 0) throw new CatalogError([`no apps/*/${SERVICE_FILE} found under ${workspaceRoot}`]);
  return validateCatalog(sources);
}

function parseJson(source: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CatalogError([`${source}: not valid JSON (${(error as Error).message})`]);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
