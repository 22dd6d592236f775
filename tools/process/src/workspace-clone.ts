import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git } from './git';
import { linkedClone } from './linked-clone';

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
