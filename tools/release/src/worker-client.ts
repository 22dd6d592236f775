import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NX_ENV } from '@gantry/process';
import type { WorkerRequest } from './worker';

/** Runs worker.ts in `root` (see its header for why it is a child process) and returns its answer. */
export function runWorker<T>(root: string, request: WorkerRequest): T {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-release-'));
  try {
    // In a file, not argv: the messages of a long range exceed what one argument may hold (E2BIG).
    const requestFile = join(dir, 'request.json');
    writeFileSync(requestFile, JSON.stringify(request));
    const answer = join(dir, 'answer.json');
    const child = spawnSync(
      process.execPath,
      [join(root, 'node_modules/tsx/dist/cli.mjs'), join(__dirname, 'worker.ts'), requestFile, answer],
      {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, ...NX_ENV },
        maxBuffer: 64 << 20,
      },
    );
    if (child.status !== 0) {
      const output = `${child.stdout}\n${child.stderr}`.trim().split('\n').slice(-25).join('\n');
      throw new Error(`release ${request.command} failed in ${root}:\n${output}`);
    }
    return JSON.parse(readFileSync(answer, 'utf8')) as T;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
