import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real git clone of `source` in a temp folder, with the source's installed node_modules linked in
 * (no second `npm ci`), except the workspace's own packages, which point into the clone so a change
 * made there is what gets built.
 */
export function cloneWorkspace(source: string, label: string): { root: string; git: (...args: string[]) => string } {
  const root = join(mkdtempSync(join(tmpdir(), `gantry-${label}-`)), 'repo');
  execFileSync('git', ['clone', '-q', source, root]);
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
  git('config', 'user.email', 'pipeline-test@example.com');
  git('config', 'user.name', 'Pipeline Test');
  const modules = join(root, 'node_modules');
  mkdirSync(join(modules, '@gantry'), { recursive: true });
  for (const entry of readdirSync(join(source, 'node_modules'))) {
    if (entry !== '@gantry') symlinkSync(join(source, 'node_modules', entry), join(modules, entry));
  }
  for (const folder of ['apps', 'libs', 'tools']) {
    for (const project of readdirSync(join(root, folder))) {
      const name = (JSON.parse(readFileSync(join(root, folder, project, 'package.json'), 'utf8')) as { name: string }).name;
      symlinkSync(join(root, folder, project), join(modules, name));
    }
  }
  return { root, git };
}

/** Appends a line to a file and commits it, as a developer's change would. */
export function commitChange(root: string, git: (...args: string[]) => string, changes: Record<string, string>, message: string): string {
  for (const [file, line] of Object.entries(changes)) writeFileSync(join(root, file), `${readFileSync(join(root, file), 'utf8')}${line}\n`);
  git('add', '-A');
  git('commit', '-qm', message);
  return git('rev-parse', 'HEAD');
}

/** Sets a service's version in its package.json (what nx release will do) and stages it. */
export function setVersion(root: string, service: string, version: string): void {
  const file = join(root, 'apps', service, 'package.json');
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  writeFileSync(file, `${JSON.stringify({ ...manifest, version }, null, 2)}\n`);
}
