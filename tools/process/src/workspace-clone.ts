import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git } from './git';

export interface WorkspaceClone {
  root: string;
  /** git in the clone, returning trimmed stdout. */
  git: (...args: string[]) => string;
}

/**
 * A real git clone of `source` in a temp folder, with the source's installed node_modules linked in
 * (no second `npm ci`), except the workspace's own packages, which point into the clone so a change
 * made there is what gets built.
 */
export function cloneWorkspace(source: string, label: string): WorkspaceClone {
  const root = join(mkdtempSync(join(tmpdir(), `gantry-${label}-`)), 'repo');
  execFileSync('git', ['clone', '-q', source, root]);
  const run = (...args: string[]) => git(root, args);
  run('config', 'user.email', 'pipeline-test@example.com');
  run('config', 'user.name', 'Pipeline Test');
  const modules = join(root, 'node_modules');
  mkdirSync(join(modules, '@gantry'), { recursive: true });
  for (const entry of readdirSync(join(source, 'node_modules'))) {
    if (entry !== '@gantry') symlinkSync(join(source, 'node_modules', entry), join(modules, entry));
  }
  for (const folder of ['apps', 'libs', 'tools']) {
    for (const project of readdirSync(join(root, folder))) {
      const name = (JSON.parse(readFileSync(join(root, folder, project, 'package.json'), 'utf8')) as { name: string })
        .name;
      symlinkSync(join(root, folder, project), join(modules, name));
    }
  }
  return { root, git: run };
}

/** Appends a line to each file and commits them, as a developer's change would; returns the new HEAD. */
export function commitChange(
  root: string,
  run: WorkspaceClone['git'],
  changes: Record<string, string>,
  message: string,
): string {
  for (const [file, line] of Object.entries(changes))
    writeFileSync(join(root, file), `${readFileSync(join(root, file), 'utf8')}${line}\n`);
  run('add', '-A');
  run('commit', '-qm', message);
  return run('rev-parse', 'HEAD');
}
