import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git, gitMaybe, runLines } from '@gantry/process';
import { serviceFolder } from '@gantry/service-catalog';

// The expand/contract rule (docs/database.md), as a check: while a deploy rolls, the previous release's code
// runs against the schema the new release's migrations made, so that code must still pass its own tests
// against that schema. A contracting migration (a drop, a rename, a new NOT NULL without a default) fails it.

/** Where a service's migrations live, relative to the workspace root. */
export function migrationsFolder(service: string): string {
  return `${serviceFolder(service)}/src/migrations`;
}

function migrationFiles(root: string, ref: string, service: string): string[] {
  const listing = gitMaybe(root, ['ls-tree', '-r', '--name-only', ref, '--', migrationsFolder(service)]) ?? '';
  return listing.split('\n').filter((file) => file.endsWith('.sql'));
}

/**
 * The code that runs beside the new schema during a deploy: the newest release tag (`<service>@<version>`)
 * whose migrations differ from HEAD's; with no such tag (none pushed yet), the commit before the newest
 * migration was added. Undefined when there is no earlier code with migrations: nothing can break.
 */
export function previousRelease(root: string, service: string): { commit: string; label: string } | undefined {
  const head = migrationFiles(root, 'HEAD', service).join('\n');
  const tags = (gitMaybe(root, ['tag', '--list', `${service}@*`, '--merged', 'HEAD', '--sort=-v:refname']) ?? '')
    .split('\n')
    .filter(Boolean);
  for (const tag of tags) {
    if (migrationFiles(root, tag, service).join('\n') !== head) {
      return { commit: git(root, ['rev-parse', `${tag}^{commit}`]), label: tag };
    }
  }
  const newest = migrationFiles(root, 'HEAD', service).sort().at(-1);
  if (!newest) return undefined;
  const added = git(root, ['log', '--diff-filter=A', '--format=%H', '-1', '--', newest]);
  const before = gitMaybe(root, ['rev-parse', '--verify', '--quiet', `${added}^`]);
  if (!before || migrationFiles(root, before, service).length === 0) return undefined;
  return { commit: before, label: `${before.slice(0, 7)} (the commit before ${newest.split('/').pop()} was added)` };
}

/**
 * The tree of `commit`, unpacked beside this one, with this checkout's installed packages and its own
 * workspace packages (node_modules/@gantry/* point into the old tree, so its libs are the old ones too).
 */
export function unpackCommit(root: string, commit: string): string {
  const dir = mkdtempSync(join(tmpdir(), `gantry-previous-${commit.slice(0, 7)}-`));
  execFileSync('sh', ['-c', `git archive --format=tar "$1" | tar -x -C "$2"`, 'sh', commit, dir], { cwd: root });
  mkdirSync(join(dir, 'node_modules/@gantry'), { recursive: true });
  for (const entry of readdirSync(join(root, 'node_modules'))) {
    if (entry !== '@gantry') symlinkSync(join(root, 'node_modules', entry), join(dir, 'node_modules', entry));
  }
  for (const name of readdirSync(join(root, 'node_modules/@gantry'))) {
    // Relative links (../../libs/x): the same link in the old tree resolves to the old package.
    const target = readlinkSync(join(root, 'node_modules/@gantry', name));
    if (existsSync(join(dir, 'node_modules/@gantry', target))) {
      symlinkSync(target, join(dir, 'node_modules/@gantry', name));
    }
  }
  return dir;
}

/** Runs a service's jest suite in an unpacked tree, with `env` (the template database it must use). */
export function runServiceTests(
  root: string,
  tree: string,
  service: string,
  env: Record<string, string>,
): Promise<{ code: number; lines: string[] }> {
  return runLines(
    process.execPath,
    [join(root, 'node_modules/jest/bin/jest.js'), '-c', `${serviceFolder(service)}/jest.config.cjs`, '--ci'],
    { cwd: tree, env: { ...process.env, ...env } },
  ).then((result) => ({ code: result.code, lines: result.lines }));
}
