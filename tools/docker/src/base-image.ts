import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Docker } from './docker-cli';

export const LOCAL_BASE_IMAGE = 'gantry/node-base:local';

/** The shared libraries a dynamically linked binary loads, as ldd reports them. */
export function sharedLibraries(binary: string): string[] {
  return execFileSync('ldd', [binary], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.match(/(\/\S+) \(0x/)?.[1])
    .filter((path): path is string => path !== undefined);
}

/**
 * Builds a stand-in for the ECR Public node image from the host's Node binary, because this
 * workplace reaches no public registry. It has what the service images rely on: node on PATH,
 * a `node` user with uid 1000, and a writable /tmp.
 */
export async function buildLocalBaseImage(docker: Docker, nodeBinary = process.execPath): Promise<string> {
  const context = mkdtempSync(join(tmpdir(), 'gantry-base-'));
  try {
    const rootfs = join(context, 'rootfs');
    const binary = realpathSync(nodeBinary);
    for (const file of [binary, ...sharedLibraries(binary)]) {
      const target = join(rootfs, file === binary ? '/usr/local/bin/node' : file);
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(realpathSync(file), target);
      chmodSync(target, 0o755);
    }
    mkdirSync(join(rootfs, 'etc'), { recursive: true });
    writeFileSync(
      join(rootfs, 'etc/passwd'),
      'root:x:0:0:root:/root:/sbin/nologin\nnode:x:1000:1000::/home/node:/sbin/nologin\n',
    );
    writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\nnode:x:1000:\n');
    mkdirSync(join(rootfs, 'tmp'), { recursive: true });
    chmodSync(join(rootfs, 'tmp'), 0o1777);
    mkdirSync(join(rootfs, 'home/node'), { recursive: true });
    writeFileSync(
      join(context, 'Dockerfile'),
      ['FROM scratch', 'COPY rootfs/ /', 'ENV PATH=/usr/local/bin:/usr/bin:/bin', 'CMD ["node"]', ''].join('\n'),
    );
    await docker(['build', '--quiet', '--tag', LOCAL_BASE_IMAGE, context]);
    return LOCAL_BASE_IMAGE;
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}
