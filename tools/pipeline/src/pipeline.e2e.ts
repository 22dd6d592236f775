// The pipeline end to end on real temporary git clones, the real Nx CLI, a real Docker engine,
// Debian's docker-registry as ECR and s3rver as S3. Run with `npm run test:pipeline` after
// `npm run docker:engine -- start`. Scenarios share one S3 bucket and registry, in order.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { before, describe, it } from 'node:test';
import { defaultLayout, engineAnswers } from '@gantry/docker-engine';
import type { ServiceImageResult } from '@gantry/images';
import type { CheckResult } from './checks';
import { cloneWorkspace, commitChange, setVersion } from '@gantry/release/testing';
import { runLocalPipeline } from './run-local';

const source = resolve(__dirname, '../../..');
const stateHome = mkdtempSync(join(tmpdir(), 'gantry-pipeline-state-'));
const baseEnv = {
  ...process.env,
  GANTRY_STATE_HOME: stateHome,
  GANTRY_DOCKER_HOME: defaultLayout(process.env, source).home,
  GANTRY_REGISTRY_PORT: String(15_000 + (process.pid % 1000)),
  // Their own suites run in `npm test`; inside each clone they would only add minutes (release makes nested clones).
  GANTRY_CHECKS_EXCLUDE: '@gantry/release,@gantry/infra',
};
const timings: string[] = [];

interface Run {
  code: number;
  output: string;
  checks: CheckResult;
  images: ServiceImageResult[];
  seconds: number;
}

async function pipeline(root: string, label: string, env: Record<string, string> = {}): Promise<Run> {
  const lines: string[] = [];
  const started = performance.now();
  // Nx 23 shares its local cache between checkouts of one repository (~/.nx/<workspace id>), so each
  // clone gets its own, as a fresh CodeBuild machine would: only the remote cache is shared.
  const isolated = { NX_CACHE_DIRECTORY: join(root, '.nx/cache') };
  const code = await runLocalPipeline(root, { ...baseEnv, ...isolated, ...env }, (line) => lines.push(line));
  const seconds = (performance.now() - started) / 1000;
  timings.push(`${label}: ${seconds.toFixed(1)} s`);
  const state = (step: string, fallback: unknown) => {
    try {
      return JSON.parse(readFileSync(join(root, 'dist/pipeline', `${step}.json`), 'utf8'));
    } catch {
      return fallback;
    }
  };
  return { code, output: lines.join('\n'), checks: state('checks', {}), images: state('images', []), seconds };
}

const pushedServices = (run: Run) => run.images.filter((image) => image.pushed.length > 0).map((image) => image.service).sort();

function bucketObjects(): number {
  const walk = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((count, entry) => count + (entry.isDirectory() ? walk(join(dir, entry.name)) : entry.name.endsWith('._S3rver_object') ? 1 : 0), 0);
  return walk(join(stateHome, 's3'));
}

before(async () => {
  assert.ok(await engineAnswers(defaultLayout(process.env, source).host), 'no Docker engine: run `npm run docker:engine -- start` first');
});

describe('the pipeline on one clone, change after change', () => {
  const { root, git } = cloneWorkspace(source, 'pipeline-a');

  it('builds and pushes every image on the first run, saying why it builds everything', async () => {
    const run = await pipeline(root, 'cold run, everything');

    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /BUILDING EVERYTHING: no deployed commit is recorded/);
    assert.deepEqual(pushedServices(run), ['catalog', 'hello', 'pricing']);
    assert.ok(run.checks.ran > 0);
  });

  it('pushes only hello after a change only in apps/hello', async () => {
    setVersion(root, 'hello', '0.1.1');
    commitChange(root, git, { 'apps/hello/src/routes.ts': '// a hello-only change' }, 'fix(hello): a hello-only change');

    const run = await pipeline(root, 'one-service change (hello)');

    assert.equal(run.code, 0, run.output);
    assert.deepEqual(pushedServices(run), ['hello']);
    assert.deepEqual(run.images[0]?.tags.slice(0, 1), ['0.1.1']);
  });

  it('pushes catalog and pricing after a change in the catalog contract', async () => {
    setVersion(root, 'catalog', '0.1.1');
    setVersion(root, 'pricing', '0.1.1');
    commitChange(root, git, { 'libs/catalog-contract/src/product.ts': '// a contract change' }, 'fix(contract): a contract change');

    const run = await pipeline(root, 'contract change (catalog, pricing)');

    assert.equal(run.code, 0, run.output);
    assert.deepEqual(pushedServices(run), ['catalog', 'pricing']);
  });

  it('pushes every service after a change in the service kit', async () => {
    setVersion(root, 'hello', '0.1.2');
    setVersion(root, 'catalog', '0.1.2');
    setVersion(root, 'pricing', '0.1.2');
    commitChange(root, git, { 'libs/service-kit/src/errors.ts': '// a kit change' }, 'fix(kit): a kit change');

    const run = await pipeline(root, 'everything change (service kit)');

    assert.equal(run.code, 0, run.output);
    assert.deepEqual(pushedServices(run), ['catalog', 'hello', 'pricing']);
  });

  it('builds no image after a docs-only change', async () => {
    commitChange(root, git, { 'README.md': 'A docs-only line.' }, 'docs: a docs-only change');

    const run = await pipeline(root, 'docs-only change');

    assert.equal(run.code, 0, run.output);
    assert.deepEqual(run.images, []);
    assert.match(run.output, /no service image is affected by this change/);
  });

  it('writes nothing to the bucket in read-only cache mode', async () => {
    commitChange(root, git, { 'apps/hello/src/routes.ts': '// tasks that miss the cache' }, 'chore(hello): touch');
    setVersion(root, 'hello', '0.1.3');
    commitChange(root, git, {}, 'chore(hello): version');
    const before = bucketObjects();

    const run = await pipeline(root, 'read-only cache', { GANTRY_CACHE_MODE: 'read-only' });

    assert.equal(run.code, 0, run.output);
    assert.ok(run.checks.ran > 0, 'some tasks missed the cache, so a read-write cache would have stored them');
    assert.equal(bucketObjects(), before);
  });

  it('stops before any push when a test of an affected project fails', async () => {
    writeFileSync(join(root, 'apps/hello/src/broken.spec.ts'), "it('fails on purpose', () => { expect(1).toBe(2); });\n");
    setVersion(root, 'hello', '0.1.4');
    commitChange(root, git, {}, 'test(hello): a failing test');

    const run = await pipeline(root, 'failing test');

    assert.equal(run.code, 1);
    assert.match(run.output, /pipeline FAILED: checks failed \(.*@gantry\/hello:test/);
    assert.doesNotMatch(run.output, /▶ images/);
  });
});

describe('a fresh clone of the same commit', () => {
  it('gets every cacheable task from the warm remote cache, and builds everything when its base is not in the history', async () => {
    const { root } = cloneWorkspace(source, 'pipeline-b');
    writeFileSync(join(root, '.gantry-base.json'), JSON.stringify({ commit: '0123456789abcdef0123456789abcdef01234567' }));

    const run = await pipeline(root, 'fresh clone, warm remote cache', { GANTRY_BASE_FILE: '.gantry-base.json' });

    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /BUILDING EVERYTHING: the recorded commit 0123456789abcdef0123456789abcdef01234567 is not in this repository's history/);
    assert.ok(run.checks.tasks > 0);
    assert.equal(run.checks.remoteHits, run.checks.tasks, `expected only remote hits:\n${run.output}`);
    console.log(`\npipeline wall times (one run, side by side):\n  ${timings.join('\n  ')}`);
  });
});
