import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  catalogEntriesChanged,
  changedFiles,
  deployAffected,
  MAX_FILES_TO_ASK,
  sameRegistryPackages,
  withoutCatalogEntries,
} from './infra-change';

describe('withoutCatalogEntries', () => {
  it('leaves out apps/<name>/service.json and keeps everything else', () => {
    expect(
      withoutCatalogEntries([
        'apps/orders/service.json',
        'apps/orders/src/routes.ts',
        'apps/orders/package.json',
        'infra/src/service-stack.ts',
        'apps/hello/nested/service.json',
        'package-lock.json',
      ]),
    ).toEqual([
      'apps/orders/src/routes.ts',
      'apps/orders/package.json',
      'infra/src/service-stack.ts',
      'apps/hello/nested/service.json',
      'package-lock.json',
    ]);
  });
});

describe('catalogEntriesChanged', () => {
  it('names the catalog services whose service.json changed, and nothing nested or unknown', () => {
    expect(
      catalogEntriesChanged(
        ['apps/hello/service.json', 'apps/hello/src/routes.ts', 'apps/gone/service.json', 'apps/a/b/service.json'],
        ['hello', 'pricing'],
      ),
    ).toEqual(['hello']);
  });
});

describe('sameRegistryPackages', () => {
  const lock = (packages: Record<string, unknown>) => JSON.stringify({ name: 'x', lockfileVersion: 3, packages });
  const base = {
    '': { workspaces: ['apps/*'] },
    'apps/hello': { name: '@gantry/hello', version: '0.1.0' },
    'node_modules/@gantry/hello': { resolved: 'apps/hello', link: true },
    'node_modules/fastify': { version: '5.12.8' },
  };

  it('holds when only a workspace package was added, as the service generator does', () => {
    const after = {
      ...base,
      '': { workspaces: ['apps/*'], more: true },
      'apps/orders': { name: '@gantry/orders', version: '0.1.0' },
      'node_modules/@gantry/orders': { resolved: 'apps/orders', link: true },
    };

    expect(sameRegistryPackages(lock(base), lock(after))).toBe(true);
  });

  it('fails when a registry package moved', () => {
    const after = { ...base, 'node_modules/fastify': { version: '5.12.9' } };

    expect(sameRegistryPackages(lock(base), lock(after))).toBe(false);
  });

  it('fails when a registry package was added', () => {
    const after = { ...base, 'node_modules/left-pad': { version: '1.3.0' } };

    expect(sameRegistryPackages(lock(base), lock(after))).toBe(false);
  });
});

describe('deployAffected', () => {
  const made: string[] = [];
  afterAll(() => made.forEach((root) => rmSync(root, { recursive: true, force: true })));
  // A plain git repository, not an Nx workspace: a call to Nx here would fail, so these cases show it is not asked.
  function repoWith(files: Record<string, string>): { root: string; base: string; head: string } {
    const root = mkdtempSync(join(tmpdir(), 'gantry-infra-change-'));
    made.push(root);
    const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
    git('init', '-q');
    git('config', 'user.email', 'test@example.com');
    git('config', 'user.name', 'Test');
    writeFileSync(join(root, 'README.md'), 'base\n');
    git('add', '-A');
    git('commit', '-qm', 'base');
    const base = git('rev-parse', 'HEAD');
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(join(root, dirname(file)), { recursive: true });
      writeFileSync(join(root, file), text);
    }
    git('add', '-A');
    git('commit', '-qm', 'change');
    return { root, base, head: git('rev-parse', 'HEAD') };
  }

  it('drops infra when only catalog entries changed', async () => {
    const { root, base, head } = repoWith({ 'apps/orders/service.json': '{}' });

    expect(
      await deployAffected(root, { base, head }, ['infra', 'orders'], await changedFiles(root, { base, head })),
    ).toEqual(['orders']);
  });

  it(`keeps infra, without asking Nx, when more than ${MAX_FILES_TO_ASK} other files changed`, async () => {
    const files = Object.fromEntries(
      Array.from({ length: MAX_FILES_TO_ASK + 1 }, (_, i) => [`docs/generated/page-${i}.md`, `${i}\n`]),
    );
    const { root, base, head } = repoWith(files);

    expect(
      await deployAffected(root, { base, head }, ['infra', 'hello'], await changedFiles(root, { base, head })),
    ).toEqual(['infra', 'hello']);
  });

  it('leaves the list alone when infra is not affected', async () => {
    expect(await deployAffected('/nonexistent', { base: 'a', head: 'b' }, ['hello'], ['x'])).toEqual(['hello']);
  });
});
