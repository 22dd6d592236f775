import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git } from './git';
import { linkedClone } from './linked-clone';
import { runNx } from './nx';

export interface WorkspaceClone {
  root: string;
  /** git in the clone, returning trimmed stdout. */
  git: (...args: string[]) => string;
}

/**
 * A linked clone of `source` (see linkedClone) in a temp folder, with a git identity for the test's commits.
 */
export function cloneWorkspace(source: string, label: string): WorkspaceClone {
  const root = join(mkdtempSync(join(tmpdir(), `gantry-${label}-`)), 'repo');
  linkedClone(source, root);
  const run = (...args: string[]) => git(root, args);
  run('config', 'user.email', 'pipeline-test@example.com');
  run('config', 'user.name', 'Pipeline Test');
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

/**
 * Adds a service to a clone with the workspace's own generator (`nx g @gantry/plugin:service`), and links its
 * package as `npm install` would: the clone's node_modules are the source's, so the generator's install is
 * skipped. Throws with Nx's output when the generator refuses.
 */
export async function generateService(root: string, name: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const generated = await runNx(root, ['g', '@gantry/plugin:service', name, '--skipInstall', '--no-interactive'], {
    env,
  });
  if (generated.code !== 0) throw new Error(`generating ${name} failed:\n${generated.lines.slice(-20).join('\n')}`);
  symlinkSync(join(root, 'apps', name), join(root, 'node_modules/@gantry', name));
}
