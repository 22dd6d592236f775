import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Docker } from '@gantry/docker';

/** Every file in a container's filesystem (from `docker export`), as relative paths without a leading slash. */
export async function listImageFiles(docker: Docker, container: string): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-export-'));
  const archive = join(dir, 'fs.tar');
  try {
    await docker(['export', '--output', archive, container]);
    return execFileSync('tar', ['-tf', archive], { encoding: 'utf8', maxBuffer: 64 << 20 })
      .split('\n')
      .filter((line) => line !== '' && !line.endsWith('/'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
