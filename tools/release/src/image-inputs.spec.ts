import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git } from '@gantry/process';
import { commitsSince } from './commits';
import { bundlePackages, imageInputChanges, lockChanges } from './image-inputs';

const lock = (packages: Record<string, { version: string; dev?: boolean; link?: boolean }>) =>
  JSON.stringify({ lockfileVersion: 3, packages: { '': { name: 'root' }, ...packages } }, null, 2);

describe('lockChanges', () => {
  it('lists production packages whose version moved, was added or removed, and leaves dev-only ones out', () => {
    const before = lock({
      'node_modules/fastify': { version: '5.1.0' },
      'node_modules/@fastify/helmet': { version: '13.0.0' },
      'node_modules/prettier': { version: '3.9.0', dev: true },
      'node_modules/old': { version: '1.0.0' },
      'node_modules/@gantry/hello': { version: '0.1.0', link: true },
    });
    const after = lock({
      'node_modules/fastify': { version: '5.1.1' },
      'node_modules/@fastify/helmet': { version: '13.0.0' },
      'node_modules/prettier': { version: '3.10.1', dev: true },
      'node_modules/fastify/node_modules/pino': { version: '9.0.0' },
      'node_modules/@gantry/hello': { version: '0.2.0', link: true },
    });

    expect(lockChanges(before, after)).toEqual([
      { name: 'fastify', from: '5.1.0', to: '5.1.1' },
      { name: 'old', from: '1.0.0', to: 'none' },
      { name: 'pino', from: 'none', to: '9.0.0' },
    ]);
  });
});

describe('what a commit changes in an image', () => {
  let root: string;
  const commit = (files: Record<string, string>, message: string) => {
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(join(root, file, '..'), { recursive: true });
      writeFileSync(join(root, file), text);
    }
    git(root, ['add', '-A']);
    git(root, ['commit', '-qm', message]);
    return commitsSince(root, null)[0];
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'image-inputs-'));
    git(root, ['init', '-q', '-b', 'main']);
    git(root, ['config', 'user.email', 't@example.com']);
    git(root, ['config', 'user.name', 'T']);
    commit(
      {
        'package-lock.json': lock({
          'node_modules/fastify': { version: '5.1.0' },
          'node_modules/eslint': { version: '9.0.0', dev: true },
        }),
        'tools/images/service.Dockerfile': '# base\nARG NODE_IMAGE=node:22@sha256:aaa\nFROM ${NODE_IMAGE}\n',
        // esbuild's metafile: what the hello bundle holds.
        'apps/hello/dist/meta.json': JSON.stringify({
          inputs: {
            'apps/hello/src/main.ts': {},
            'node_modules/fastify/lib/server.js': {},
            'node_modules/@sinclair/typebox/build/index.mjs': {},
          },
        }),
      },
      'chore: start',
    );
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('reads the packages a service bundle holds from its metafile, and nothing for an unbuilt service', () => {
    expect(bundlePackages(root, 'hello')).toEqual(new Set(['fastify', '@sinclair/typebox']));
    expect(bundlePackages(root, 'catalog')).toBeUndefined();
  });

  it('names a bundled package the lock file moved, and ignores a dev-only bump', () => {
    const bump = commit(
      {
        'package-lock.json': lock({
          'node_modules/fastify': { version: '5.1.1' },
          'node_modules/eslint': { version: '9.1.0', dev: true },
        }),
      },
      'fix(deps): bump fastify and eslint',
    );

    expect(imageInputChanges(root, bump, bundlePackages(root, 'hello'))).toEqual(['dependency fastify 5.1.0 → 5.1.1']);
    expect(imageInputChanges(root, bump, new Set(['@sinclair/typebox']))).toEqual([]);
  });

  it('names a new base image digest, and ignores a comment-only change to the Dockerfile', () => {
    const comment = commit(
      { 'tools/images/service.Dockerfile': '# the base\nARG NODE_IMAGE=node:22@sha256:aaa\nFROM ${NODE_IMAGE}\n' },
      'docs: comment',
    );
    const pin = commit(
      { 'tools/images/service.Dockerfile': '# the base\nARG NODE_IMAGE=node:22@sha256:bbb\nFROM ${NODE_IMAGE}\n' },
      'build: pin',
    );

    expect(imageInputChanges(root, comment, undefined)).toEqual([]);
    expect(imageInputChanges(root, pin, undefined)).toEqual(['base image node:22@sha256:aaa → node:22@sha256:bbb']);
  });
});
