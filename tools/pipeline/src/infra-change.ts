import { Git, nxSync } from '@gantry/process';
import { SERVICE_FILE } from '@gantry/service-catalog';
import { INFRA_PROJECT } from './deploy-plan';

const CATALOG_ENTRY = new RegExp(`^apps/[^/]+/${SERVICE_FILE.replace('.', '\\.')}$`);
const LOCK_FILE = 'package-lock.json';
// `--files=` is one argument, and Linux caps one argument at 128 KiB: a change larger than this many files
// (a mass rename or reformat) is taken to touch infra without asking Nx, which redeploys everything.
export const MAX_FILES_TO_ASK = 1000;
// A lock-file entry for one of the workspace's own packages: a new service adds two of these and nothing else.
const WORKSPACE_ENTRY = /^(apps|libs|tools)\/|^infra$|^node_modules\/@gantry\//;

/** The files that changed between two commits: read once per deploy, by the plan's two questions below. */
export async function changedFiles(root: string, range: { base: string; head: string }): Promise<string[]> {
  return (await new Git(root).exec(['diff', '--name-only', range.base, range.head])).split('\n').filter(Boolean);
}

/** The services among `services` whose catalog entry (apps/<name>/service.json) is among `files`. */
export function catalogEntriesChanged(files: readonly string[], services: readonly string[]): string[] {
  return files
    .filter((file) => CATALOG_ENTRY.test(file))
    .map((file) => file.split('/')[1])
    .filter((service) => services.includes(service));
}

/** The changed files that are not catalog entries (apps/<name>/service.json). */
export function withoutCatalogEntries(files: readonly string[]): string[] {
  return files.filter((file) => !CATALOG_ENTRY.test(file));
}

/** Whether two package-lock.json texts resolve the same registry packages (the workspace's own entries aside). */
export function sameRegistryPackages(before: string, after: string): boolean {
  const registry = (text: string) =>
    Object.entries((JSON.parse(text) as { packages?: Record<string, unknown> }).packages ?? {})
      .filter(([path]) => path !== '' && !WORKSPACE_ENTRY.test(path))
      .sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify(registry(before)) === JSON.stringify(registry(after));
}

/**
 * The affected projects, without infra when only catalog entries made it affected (`files`: changedFiles). infra reads the catalog,
 * so a new or edited service.json marks it affected (its tests must run), but that deploys the service's own
 * stack, not the shared stacks and every service stack, as a change to infra's code or dependencies does.
 */
export async function deployAffected(
  root: string,
  range: { base: string; head: string },
  affected: readonly string[],
  files: readonly string[],
): Promise<string[]> {
  if (!affected.includes(INFRA_PROJECT)) return [...affected];
  const git = new Git(root);
  // Nx cannot read a lock file's diff from a file list, so the lock file is compared here.
  const lockMoved =
    files.includes(LOCK_FILE) &&
    !sameRegistryPackages(
      await git.exec(['show', `${range.base}:${LOCK_FILE}`]),
      await git.exec(['show', `${range.head}:${LOCK_FILE}`]),
    );
  const rest = withoutCatalogEntries(files).filter((file) => file !== LOCK_FILE);
  const touchesInfra = () =>
    (
      JSON.parse(nxSync(root, ['show', 'projects', '--affected', `--files=${rest.join(',')}`, '--json'])) as string[]
    ).includes(INFRA_PROJECT);
  const infraChanged = lockMoved || rest.length > MAX_FILES_TO_ASK || (rest.length > 0 && touchesInfra());
  return infraChanged ? [...affected] : affected.filter((project) => project !== INFRA_PROJECT);
}
