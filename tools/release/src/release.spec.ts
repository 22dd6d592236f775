import { cloneWorkspace, commitChange, setVersion } from '@gantry/pipeline';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { releaseAffected, seedReleaseTags, type ReleaseResult } from './release';

// Real git repositories, the real Nx CLI: a clone of this workspace (node_modules linked), the nx.json
// release configuration of the working tree, and release tags seeded at the clone's starting commit.
// The scenarios run in order on the same clone, as successive pushes to main would.
const source = resolve(__dirname, '../../..');
jest.setTimeout(180_000);

let root: string;
let git: (...args: string[]) => string;

const version = (service: string) => (JSON.parse(readFileSync(join(root, 'apps', service, 'package.json'), 'utf8')) as { version: string }).version;
const versions = () => ({ hello: version('hello'), catalog: version('catalog'), pricing: version('pricing') });
const tags = () => git('tag', '--list').split('\n').filter(Boolean).sort();
const summary = (result: ReleaseResult) => result.released.map((r) => `${r.service} ${r.previous}->${r.next} ${r.tag}`);

beforeAll(() => {
  ({ root, git } = cloneWorkspace(source, 'release'));
  writeFileSync(join(root, 'nx.json'), readFileSync(join(source, 'nx.json'), 'utf8'));
  // The scenarios count from 0.1.0 whatever the services are at in the source (the pipeline tests bump them).
  for (const service of ['hello', 'catalog', 'pricing']) setVersion(root, service, '0.1.0');
  if (git('status', '--porcelain')) git('commit', '-qam', 'chore: release test baseline');
  expect(seedReleaseTags(root).sort()).toEqual(['@gantry/catalog@0.1.0', '@gantry/hello@0.1.0', '@gantry/pricing@0.1.0']);
});

afterAll(() => {
  if (root) rmSync(dirname(root), { recursive: true, force: true });
});

test('feat(hello): hello gets a minor bump, the tag @gantry/hello@0.2.0 and a CHANGELOG entry; catalog and pricing keep their versions', async () => {
  commitChange(root, git, { 'apps/hello/src/main.ts': '// bonjour' }, 'feat(hello): greet in French');
  const preview = await releaseAffected({ root, dryRun: true });
  expect(summary(preview)).toEqual(['hello 0.1.0->0.2.0 @gantry/hello@0.2.0']);
  expect(preview.commit).toBeNull();
  expect(git('status', '--porcelain')).toBe('');
  expect(tags()).not.toContain('@gantry/hello@0.2.0');

  const result = await releaseAffected({ root });
  expect(summary(result)).toEqual(['hello 0.1.0->0.2.0 @gantry/hello@0.2.0']);
  expect(result.commit).toBe(git('rev-parse', 'HEAD'));
  expect(git('log', '-1', '--format=%s')).toMatch(/^chore\(release\): publish/);
  expect(git('rev-parse', '@gantry/hello@0.2.0^{commit}')).toBe(result.commit);
  expect(versions()).toEqual({ hello: '0.2.0', catalog: '0.1.0', pricing: '0.1.0' });
  const changelog = readFileSync(join(root, 'apps/hello/CHANGELOG.md'), 'utf8');
  expect(changelog).toContain('## 0.2.0');
  expect(changelog).toContain('### 🚀 Features');
  expect(changelog).toContain('- **hello:** greet in French');
  expect(git('show', '--name-only', '--format=', 'HEAD').split('\n').sort()).toEqual(['apps/hello/CHANGELOG.md', 'apps/hello/package.json', 'package-lock.json']);
  expect(JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')).packages['apps/hello'].version).toBe('0.2.0');
  expect(git('status', '--porcelain')).toBe('');
});

test('a rerun on the same commit releases nothing: no new tag, no new commit', async () => {
  const before = { head: git('rev-parse', 'HEAD'), tags: tags() };
  const result = await releaseAffected({ root });
  expect(result).toMatchObject({ released: [], commit: null, skipped: 'release-commit' });
  expect({ head: git('rev-parse', 'HEAD'), tags: tags() }).toEqual(before);
});

test('fix(contract) in libs/catalog-contract: catalog and pricing get a patch bump, hello keeps its version', async () => {
  commitChange(root, git, { 'libs/catalog-contract/src/index.ts': '// tighter schema' }, 'fix(contract): reject negative prices');
  const result = await releaseAffected({ root });
  expect(summary(result)).toEqual(['catalog 0.1.0->0.1.1 @gantry/catalog@0.1.1', 'pricing 0.1.0->0.1.1 @gantry/pricing@0.1.1']);
  expect(versions()).toEqual({ hello: '0.2.0', catalog: '0.1.1', pricing: '0.1.1' });
  expect(tags()).toContain('@gantry/catalog@0.1.1');
  expect(tags()).toContain('@gantry/pricing@0.1.1');
  expect(tags()).not.toContain('@gantry/hello@0.2.1');
  expect(readFileSync(join(root, 'apps/catalog/CHANGELOG.md'), 'utf8')).toMatch(/^## 0\.1\.1$/m);
  // The release tags the commit; the same commit run again (tags at HEAD) does not release twice.
  const again = await releaseAffected({ root });
  expect(again).toMatchObject({ released: [], commit: null });
});

test('a BREAKING CHANGE footer in hello: major bump', async () => {
  commitChange(root, git, { 'apps/hello/src/main.ts': '// v2 greeting' }, 'feat(hello): new greeting shape\n\nBREAKING CHANGE: /hello returns { greeting } instead of a string');
  const result = await releaseAffected({ root });
  expect(summary(result)).toEqual(['hello 0.2.0->1.0.0 @gantry/hello@1.0.0']);
  expect(versions()).toEqual({ hello: '1.0.0', catalog: '0.1.1', pricing: '0.1.1' });
  expect(readFileSync(join(root, 'apps/hello/CHANGELOG.md'), 'utf8')).toMatch(/^# 1\.0\.0\n[\s\S]*### ⚠️ {2}Breaking Changes\n\n- \*\*hello:\*\* new greeting shape/m);
});

test('docs: and chore: commits bump nothing; a non-conventional commit is reported, not released', async () => {
  commitChange(root, git, { 'apps/hello/src/main.ts': '// doc comment' }, 'docs(hello): explain the greeting');
  commitChange(root, git, { 'apps/pricing/src/main.ts': '// tidy' }, 'chore(pricing): tidy imports');
  commitChange(root, git, { 'apps/catalog/src/main.ts': '// wip' }, 'Update catalog main');
  const before = { head: git('rev-parse', 'HEAD'), tags: tags() };
  const result = await releaseAffected({ root });
  expect(result.released).toEqual([]);
  expect(result.commit).toBeNull();
  expect(result.nonConventional.map((c) => c.subject)).toEqual(['Update catalog main']);
  expect({ head: git('rev-parse', 'HEAD'), tags: tags() }).toEqual(before);
  expect(versions()).toEqual({ hello: '1.0.0', catalog: '0.1.1', pricing: '0.1.1' });
});

test('fix: commits to root files (README.md, package.json scripts, nx.json) bump no service (nrwl/nx#34211)', async () => {
  commitChange(root, git, { 'README.md': 'A root typo fixed.' }, 'fix: readme typo');
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  writeFileSync(join(root, 'package.json'), `${JSON.stringify({ ...manifest, scripts: { ...manifest.scripts, hello: 'echo hello' } }, null, 2)}\n`);
  git('commit', '-qam', 'fix: add a root script');
  const nxJson = JSON.parse(readFileSync(join(root, 'nx.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(root, 'nx.json'), `${JSON.stringify({ ...nxJson, parallel: 3 }, null, 2)}\n`);
  git('commit', '-qam', 'fix: nx.json parallelism');
  const before = { head: git('rev-parse', 'HEAD'), tags: tags() };
  const result = await releaseAffected({ root });
  // nx release alone proposes a patch for every service (the nx.json commit makes every project affected);
  // releaseAffected drops those bumps because nothing in a service or its libs changed.
  expect(result.dropped.map((d) => `${d.project} ${d.next}`).sort()).toEqual(['@gantry/catalog 0.1.2', '@gantry/hello 1.0.1', '@gantry/pricing 0.1.2']);
  expect(result.released).toEqual([]);
  expect({ head: git('rev-parse', 'HEAD'), tags: tags() }).toEqual(before);
  expect(versions()).toEqual({ hello: '1.0.0', catalog: '0.1.1', pricing: '0.1.1' });

  // A real change after root-file commits is still released, and only for its service.
  commitChange(root, git, { 'apps/pricing/src/main.ts': '// rounding' }, 'fix(pricing): round half up');
  const next = await releaseAffected({ root });
  expect(summary(next)).toEqual(['pricing 0.1.1->0.1.2 @gantry/pricing@0.1.2']);
  expect(execFileSync('git', ['tag', '--points-at', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim()).toBe('@gantry/pricing@0.1.2');
});

test('feat(catalog-contract) in a lib: dependents get a patch, not a minor (dry run writes nothing)', async () => {
  commitChange(root, git, { 'libs/catalog-contract/src/index.ts': '// currency field' }, 'feat(catalog-contract): add a currency field');
  const before = { head: git('rev-parse', 'HEAD'), tags: tags(), status: git('status', '--porcelain') };
  const preview = await releaseAffected({ root, dryRun: true });
  expect(summary(preview)).toEqual(['catalog 0.1.1->0.1.2 @gantry/catalog@0.1.2', 'pricing 0.1.2->0.1.3 @gantry/pricing@0.1.3']);
  expect({ head: git('rev-parse', 'HEAD'), tags: tags(), status: git('status', '--porcelain') }).toEqual(before);
});
