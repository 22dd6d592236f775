import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A real git clone of `source`'s HEAD at `target`, with the source's installed node_modules linked in (no
 * second `npm ci`), except the workspace's own packages, which point into the clone so that what the clone
 * holds is what gets built. For a second build host on this machine: a test clone, or a shard's worker.
 */
export function linkedClone(source: string, target: string): string {
  execFileSync('git', ['clone', '-q', source, target]);
  const modules = join(target, 'node_modules');
  mkdirSync(join(modules, '@gantry'), { recursive: true });
  for (const entry of readdirSync(join(source, 'node_modules'))) {
    if (entry !== '@gantry') symlinkSync(join(source, 'node_modules', entry), join(modules, entry));
  }
  for (const folder of ['apps', 'libs', 'tools']) {
    for (const project of readdirSync(join(target, folder))) {
      const manifest = join(target, folder, project, 'package.json');
      const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name: string };
      symlinkSync(join(target, folder, project), join(modules, name));
    }
  }
  return target;
}
