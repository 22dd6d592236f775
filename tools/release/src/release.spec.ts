import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { cloneWorkspace, commitChange } from '@gantry/process/testing';
import { loadCatalog } from '@gantry/service-catalog';
import { releaseAffected, type ReleaseResult } from './release';

// Real git repositories, the real Nx CLI: a clone of this workspace (node_modules linked) with the nx.json
// of the working tree. The clone's tags are deleted, so the first release seeds its own baseline. The
// scenarios run in order on one clone, as successive pushes to main would.
const source = resolve(__dirname, '../../..');
jest.setTimeout(240_000);

let root: string;
let git: (...args: string[]) => string;

const version = (service: string) =>
  (JSON.parse(readFileSync(join(root, 'apps', service, 'package.json'), 'utf8')) as { version: string }).version;
const versions = () => ({
  hello: version('hello'),
  catalog: version('catalog'),
  pricing: version('pricing'),
  orders: version('orders'),
});
const tags = () => git('tag', '--list').split('\n').filter(Boolean).sort();
const summary = (result: ReleaseResult) => result.released.map((r) => `${r.service} ${r.previous}->${r.next} ${r.tag}`);
/** The newest section of a service's CHANGELOG.md, exactly as written. */
const newestEntry = (service: string) =>
  readFileSync(join(root, 'apps', service, 'CHANGELOG.md'), 'utf8')
    .split(/^(?=#{1,2} \d)/m)
    .find((section) => /^#{1,2} \d/.test(section));
const state = () => ({ head: git('rev-parse', 'HEAD'), tags: tags(), status: git('status', '--porcelain') });

beforeAll(() => {
  ({ root, git } = cloneWorkspace(source, 'release'));
  writeFileSync(join(root, 'nx.json'), readFileSync(join(source, 'nx.json'), 'utf8'));
  for (const tag of tags()) git('tag', '-d', tag);
  // Every scenario counts from 0.1.0, whatever the services are at in the source.
  for (const { name: service } of loadCatalog(root)) {
    setVersion(service, '0.1.0');
    writeFileSync(join(root, 'apps', service, 'CHANGELOG.md'), '## 0.1.0\n\nThe release test baseline.\n');
  }
  git('add', '-A');
  git('commit', '-qm', 'chore(release): release test baseline');
});

/** Sets a service's version in its package.json, as nx release would. */
function setVersion(service: string, value: string): void {
  const file = join(root, 'apps', service, 'package.json');
  writeFileSync(file, `${JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), version: value }, null, 2)}\n`);
}

afterAll(() => {
  if (root) rmSync(dirname(root), { recursive: true, force: true });
});

test('a dry run reports the plan and leaves no trace: no files, no commit, no tags (not even the seeded baseline)', async () => {
  commitChange(root, git, { 'apps/hello/src/main.ts': '// bonjour' }, 'feat(hello): greet in French');
  const before = state();
  const preview = await releaseAffected({ root, dryRun: true });
  expect(summary(preview)).toEqual(['hello 0.1.0->0.2.0 hello@0.2.0']);
  expect(preview.commit).toBeNull();
  expect(state()).toEqual(before);
});

test('refuses to release over uncommitted changes to tracked files, naming them, and changes nothing', async () => {
  writeFileSync(
    join(root, 'apps/hello/package.json'),
    `${readFileSync(join(root, 'apps/hello/package.json'), 'utf8')}\n`,
  );
  const before = state();
  await expect(releaseAffected({ root })).rejects.toThrow(
    /uncommitted changes to tracked files.*commit or stash them first:\n\s*M apps\/hello\/package\.json/s,
  );
  expect(state()).toEqual(before);
  git('checkout', '--', 'apps/hello/package.json');
});

test('feat(hello): hello 0.1.0 -> 0.2.0, tag hello@0.2.0, one CHANGELOG entry; the other services keep their versions', async () => {
  const source = git('rev-parse', 'HEAD');
  const result = await releaseAffected({ root });
  expect(summary(result)).toEqual(['hello 0.1.0->0.2.0 hello@0.2.0']);
  expect(result.tags).toEqual(['catalog@0.1.0', 'hello@0.1.0', 'orders@0.1.0', 'pricing@0.1.0', 'hello@0.2.0']);
  expect(result.commit).toBe(git('rev-parse', 'HEAD'));
  expect(git('log', '-1', '--format=%s%n%n%b')).toBe('chore(release): publish\n\n- hello@0.2.0');
  expect(git('rev-parse', 'hello@0.2.0^{commit}')).toBe(result.commit);
  expect(git('rev-parse', 'hello@0.1.0^{commit}')).toBe(git('rev-parse', `${source}~1`));
  expect(versions()).toEqual({ hello: '0.2.0', catalog: '0.1.0', pricing: '0.1.0', orders: '0.1.0' });
  expect(newestEntry('hello')).toBe('## 0.2.0\n\n### 🚀 Features\n\n- **hello:** greet in French\n\n');
  expect(git('show', '--name-only', '--format=', 'HEAD').split('\n').sort()).toEqual([
    'apps/hello/CHANGELOG.md',
    'apps/hello/package.json',
    'package-lock.json',
  ]);
  expect(JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')).packages['apps/hello'].version).toBe(
    '0.2.0',
  );
  expect(git('status', '--porcelain')).toBe('');
});

test('the release commit is reproducible: releasing the same commit again gives the same sha and tag', async () => {
  const first = git('rev-parse', 'HEAD');
  git('tag', '-d', 'hello@0.2.0');
  git('reset', '-q', '--hard', 'HEAD~1');
  const again = await releaseAffected({ root });
  expect(again.commit).toBe(first);
  expect(again.tags).toEqual(['hello@0.2.0']);
});

test('a rerun on the release commit releases nothing: no new tag, no new commit', async () => {
  const before = state();
  const result = await releaseAffected({ root });
  expect(result).toMatchObject({ released: [], commit: null, skipped: 'release-commit' });
  expect(state()).toEqual(before);
});

test('fix in libs/catalog-contract: its services get a patch, hello keeps its version; the same commit is not released twice', async () => {
  commitChange(
    root,
    git,
    { 'libs/catalog-contract/src/index.ts': '// tighter schema' },
    'fix(contract): reject negative prices',
  );
  const result = await releaseAffected({ root });
  expect(summary(result)).toEqual([
    'catalog 0.1.0->0.1.1 catalog@0.1.1',
    'orders 0.1.0->0.1.1 orders@0.1.1',
    'pricing 0.1.0->0.1.1 pricing@0.1.1',
  ]);
  expect(versions()).toEqual({ hello: '0.2.0', catalog: '0.1.1', pricing: '0.1.1', orders: '0.1.1' });
  // nx would write "a version bump only … no code changes"; the release lists the library change instead.
  expect(newestEntry('catalog')).toBe(
    '## 0.1.1\n\n### Changes in this service or its libraries\n\n- fix(contract): reject negative prices (libs/catalog-contract)\n\n',
  );
  for (const service of ['orders', 'pricing']) {
    expect(newestEntry(service)).toBe(
      '## 0.1.1\n\n### Changes in this service or its libraries\n\n- fix(contract): reject negative prices (libs/catalog-contract)\n\n',
    );
  }
  // HEAD is tagged now; moving off the release commit subject still finds nothing to do.
  git('commit', '-q', '--amend', '-m', 'chore: reworded release commit');
  for (const tag of ['catalog@0.1.1', 'orders@0.1.1', 'pricing@0.1.1']) git('tag', '-f', tag, 'HEAD');
  const before = state();
  expect(await releaseAffected({ root })).toMatchObject({ released: [], commit: null, skipped: 'already-released' });
  expect(state()).toEqual(before);
});

test('a BREAKING CHANGE footer in hello: major bump', async () => {
  commitChange(
    root,
    git,
    { 'apps/hello/src/main.ts': '// v2 greeting' },
    'feat(hello): new greeting shape\n\nBREAKING CHANGE: /hello returns { greeting } instead of a string',
  );
  const result = await releaseAffected({ root });
  expect(summary(result)).toEqual(['hello 0.2.0->1.0.0 hello@1.0.0']);
  expect(versions()).toEqual({ hello: '1.0.0', catalog: '0.1.1', pricing: '0.1.1', orders: '0.1.1' });
  expect(newestEntry('hello')).toBe(
    '# 1.0.0\n\n### 🚀 Features\n\n- ⚠️  **hello:** new greeting shape\n\n### ⚠️  Breaking Changes\n\n- **hello:** new greeting shape\n  /hello returns { greeting } instead of a string\n\n',
  );
});

test('docs: and chore: commits bump nothing', async () => {
  commitChange(root, git, { 'apps/hello/src/main.ts': '// doc comment' }, 'docs(hello): explain the greeting');
  commitChange(root, git, { 'apps/pricing/src/main.ts': '// tidy' }, 'chore(pricing): tidy imports');
  const before = state();
  const result = await releaseAffected({ root });
  expect(result.released).toEqual([]);
  expect(result.lint).toEqual([]);
  expect(state()).toEqual(before);
});

test('a non-conventional commit is never dropped silently: its service gets a patch, and commitlint says why', async () => {
  const sha = commitChange(root, git, { 'apps/catalog/src/main.ts': '// wip' }, 'Update catalog main');
  const logged: string[] = [];
  const result = await releaseAffected({ root, log: (line) => logged.push(line) });
  expect(result.released.map((r) => `${r.tag} ${r.reason}`)).toEqual(['catalog@0.1.2 unclassified']);
  expect(result.lint).toEqual([
    {
      sha,
      subject: 'Update catalog main',
      errors: ['subject may not be empty [subject-empty]', 'type may not be empty [type-empty]'],
    },
  ]);
  expect(logged).toContain(
    `warning: catalog: "Update catalog main" (${sha.slice(0, 7)}) is not a conventional commit; releasing it as a patch`,
  );
  expect(versions()).toEqual({ hello: '1.0.0', catalog: '0.1.2', pricing: '0.1.1', orders: '0.1.1' });
  expect(tags()).toContain('catalog@0.1.2');
  expect(newestEntry('catalog')).toBe(
    '## 0.1.2\n\n### Changes in this service or its libraries\n\n- Update catalog main (apps/catalog)\n\n',
  );
});

test('commits to root files (README.md, package.json scripts, nx.json) bump no service (nrwl/nx#34211)', async () => {
  commitChange(root, git, { 'README.md': 'A root typo fixed.' }, 'fix: readme typo');
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  writeFileSync(
    join(root, 'package.json'),
    `${JSON.stringify({ ...manifest, scripts: { ...manifest.scripts, hello: 'echo hello' } }, null, 2)}\n`,
  );
  git('commit', '-qam', 'fix: add a root script');
  const nxJson = JSON.parse(readFileSync(join(root, 'nx.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(root, 'nx.json'), `${JSON.stringify({ ...nxJson, parallel: 3 }, null, 2)}\n`);
  git('commit', '-qam', 'fix: nx.json parallelism');
  const before = state();
  const result = await releaseAffected({ root });
  // No commit touched a service or its libs, so nx release is not even asked.
  expect(result.released).toEqual([]);
  expect(state()).toEqual(before);

  // A real change after root-file commits is still released, and only for its service.
  commitChange(root, git, { 'apps/pricing/src/main.ts': '// rounding' }, 'fix(pricing): round half up');
  const next = await releaseAffected({ root });
  expect(summary(next)).toEqual(['pricing 0.1.1->0.1.2 pricing@0.1.2']);
  // nx release alone would propose a patch for every other service too (the nx.json commit makes every
  // project affected, nrwl/nx#34211); it is asked only about the services with a release-worthy commit.
  expect(git('tag', '--points-at', 'HEAD')).toBe('pricing@0.1.2');
});

test('feat in a lib: its dependents get a patch, not a minor; commitlint style findings are reported but the bump stands', async () => {
  const sha = commitChange(
    root,
    git,
    { 'libs/catalog-contract/src/index.ts': '// currency field' },
    'feat(catalog-contract): Add a currency field',
  );
  const before = state();
  const preview = await releaseAffected({ root, dryRun: true });
  expect(summary(preview)).toEqual([
    'catalog 0.1.2->0.1.3 catalog@0.1.3',
    'orders 0.1.1->0.1.2 orders@0.1.2',
    'pricing 0.1.2->0.1.3 pricing@0.1.3',
  ]);
  expect(preview.lint.find((finding) => finding.sha === sha)).toEqual({
    sha,
    subject: 'feat(catalog-contract): Add a currency field',
    errors: ['subject must not be sentence-case, start-case, pascal-case, upper-case [subject-case]'],
  });
  // The pipeline lints only the range it builds: from its base.
  const ranged = await releaseAffected({ root, dryRun: true, lintFrom: `${sha}~1` });
  expect(ranged.lint.map((finding) => finding.sha)).toEqual([sha]);
  expect(state()).toEqual(before);
});
