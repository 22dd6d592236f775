// The pipeline end to end on real temporary git clones, the real Nx CLI, a real Docker engine,
// Debian's docker-registry as ECR and s3rver as S3. Run with `npm run test:pipeline` after
// `npm run docker:engine -- start`. Scenarios share one S3 bucket and registry, in order.
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { before, describe, it } from 'node:test';
import { defaultEngineLayout, dockerCli, engineAnswers } from '@gantry/docker';
import type { ServiceImageResult } from '@gantry/images';
import { git as gitIn, waitUntil } from '@gantry/process';
import { cloneWorkspace, commitChange } from '@gantry/process/testing';
import { serviceVersion } from '@gantry/service-catalog';
import type { ChecksState, DeployState } from './steps';
import { runPipelineIn, sandboxEnv } from './testing';

const source = resolve(__dirname, '../../..');
const baseEnv = sandboxEnv(source, 15_000 + (process.pid % 1000));
const stateHome = baseEnv['GANTRY_STATE_HOME'] as string;
const timings: string[] = [];

interface Run {
  code: number;
  output: string;
  checks: ChecksState;
  images: ServiceImageResult[];
  deploy: DeployState;
}

async function pipeline(root: string, label: string, env: Record<string, string> = {}): Promise<Run> {
  const run = await runPipelineIn(root, { ...baseEnv, ...env });
  timings.push(`${label}: ${run.seconds.toFixed(1)} s`);
  return {
    code: run.code,
    output: run.output,
    checks: run.state('checks', {} as ChecksState),
    images: run.state('images', []),
    deploy: run.state('deploy', {} as DeployState),
  };
}

const pushedServices = (run: Run) =>
  run.images
    .filter((image) => image.pushed.length > 0)
    .map((image) => image.service)
    .sort();

function bucketObjects(): number {
  const walk = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce(
      (count, entry) =>
        count + (entry.isDirectory() ? walk(join(dir, entry.name)) : entry.name.endsWith('._S3rver_object') ? 1 : 0),
      0,
    );
  return walk(join(stateHome, 's3'));
}

const patched = (version: string) => version.replace(/\d+$/, (patch) => String(Number(patch) + 1));

/** Runs an image as the platform would (read-only, no capabilities) and asks it for its version. */
async function versionInImage(image: string, port: number, path: string): Promise<unknown> {
  const docker = dockerCli(defaultEngineLayout(process.env, source).host);
  const container = await docker([
    'run',
    '--detach',
    '--read-only',
    '--cap-drop',
    'ALL',
    '--publish',
    `127.0.0.1::${port}`,
    image,
  ]);
  try {
    const hostPort = (await docker(['port', container, String(port)])).split('\n')[0].split(':').pop();
    const get = () =>
      fetch(`http://127.0.0.1:${hostPort}${path}`).then(
        (response) => (response.ok ? response.json() : undefined),
        () => undefined,
      );
    const answer = await waitUntil(get, { timeoutMs: 30_000, intervalMs: 300 });
    assert.ok(answer, `${image} did not answer ${path} within 30 s`);
    return answer;
  } finally {
    await docker(['rm', '--force', container]).catch(() => undefined);
  }
}

before(async () => {
  assert.ok(
    await engineAnswers(defaultEngineLayout(process.env, source).host),
    'no Docker engine: run `npm run docker:engine -- start` first',
  );
});

describe('the pipeline on one clone, change after change', () => {
  const { root, git } = cloneWorkspace(source, 'pipeline-a');
  // origin: the bare copy `npm run pipeline` makes of the checkout on its first run; releases are pushed there.
  const origin = join(root, '.gantry/origin.git');
  const env = {};
  const versionOf = (service: string) => serviceVersion(root, service);
  const versions = () => ({ hello: versionOf('hello'), catalog: versionOf('catalog'), pricing: versionOf('pricing') });
  const originRefs = () => gitIn(origin, ['for-each-ref', '--format=%(refname) %(objectname)']);
  const originTag = (tag: string) => gitIn(origin, ['rev-parse', `${tag}^{commit}`]);
  const originMain = () => gitIn(origin, ['rev-parse', 'main']);

  it('builds and pushes every image on the first run, saying why, and pushes main and the baseline tags to origin', async () => {
    const run = await pipeline(root, 'cold run, everything', env);

    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /BUILDING EVERYTHING: no deployed commit is recorded/);
    assert.deepEqual(pushedServices(run), ['catalog', 'hello', 'pricing']);
    for (const image of run.images) assert.equal(image.tags[0], versionOf(image.service));
    assert.ok(run.checks.ran > 0);
    // Building everything deploys everything: the shared stacks, then every service at its version.
    const deploy = run.deploy;
    assert.deepEqual(deploy.plan.platformStacks, ['Gantry-dev-Network', 'Gantry-dev-Platform']);
    assert.deepEqual(
      deploy.plan.services.map((s) => `${s.service}:${s.tag}`),
      ['catalog', 'hello', 'pricing'].map((name) => `${name}:${versionOf(name)}`),
    );
    for (const name of ['catalog', 'hello', 'pricing'])
      assert.match(run.output, new RegExp(`\\[smoke\\] ${name}: healthy, reports ${versionOf(name)}`));
    assert.equal(originMain(), git('rev-parse', 'HEAD'));
    assert.equal(originTag(`hello@${versionOf('hello')}`), git('rev-parse', `hello@${versionOf('hello')}^{commit}`));
  });

  it('feat(hello) moves hello X.Y.Z to X.(Y+1).0 only, tags it, pushes that image, and the image reports that version', async () => {
    const before = versions();
    const [major, minor] = before.hello.split('.').map(Number);
    const next = `${major}.${minor + 1}.0`;
    commitChange(
      root,
      git,
      { 'apps/hello/src/routes.ts': '// a hello feature' },
      'feat(hello): greet the pipeline test',
    );

    const run = await pipeline(root, 'feat(hello): release and one image', env);

    assert.equal(run.code, 0, run.output);
    assert.deepEqual(versions(), { ...before, hello: next });
    const release = git('rev-parse', 'HEAD');
    assert.equal(git('log', '-1', '--format=%s'), 'chore(release): publish');
    assert.equal(originMain(), release);
    assert.equal(originTag(`hello@${next}`), release);
    assert.deepEqual(pushedServices(run), ['hello']);
    assert.deepEqual(run.images[0].tags, [next, `sha-${release}`]);
    assert.deepEqual(await versionInImage(`${run.images[0].image}:${next}`, 3001, '/hello/version'), {
      name: 'hello',
      version: next,
      commit: release,
      builtAt: git('show', '-s', '--format=%cI', release),
    });
    // deploy: only hello's stack, synthesized with the new tag and checked; smoke: through the ALB stand-in.
    const deploy = run.deploy;
    assert.deepEqual(deploy.plan, {
      platformStacks: [],
      services: [{ service: 'hello', stack: 'Gantry-dev-Service-hello', tag: next, why: 'new image' }],
    });
    assert.match(
      run.output,
      new RegExp(`Gantry-dev-Service-hello: hello runs gantry/hello:${next.replace(/\./g, '\\.')} \\(new image\\)`),
    );
    assert.match(run.output, /templates checked: 1 service stack\(s\) run their new tags/);
    assert.match(run.output, new RegExp(`\\[smoke\\] hello: healthy, reports ${next.replace(/\./g, '\\.')}`));
  });

  it('a rerun on the same commit changes nothing: no version, commit, tag or image moves', async () => {
    const before = {
      head: git('rev-parse', 'HEAD'),
      tags: git('tag', '--list'),
      origin: originRefs(),
      versions: versions(),
    };

    const run = await pipeline(root, 'rerun, same commit', env);

    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /is a release commit: nothing to release/);
    assert.deepEqual(run.images, []);
    assert.deepEqual(
      { head: git('rev-parse', 'HEAD'), tags: git('tag', '--list'), origin: originRefs(), versions: versions() },
      before,
    );
  });

  it('fix in the catalog contract gives catalog and pricing a patch and pushes only their images', async () => {
    const before = versions();
    commitChange(
      root,
      git,
      { 'libs/catalog-contract/src/product.ts': '// a contract fix' },
      'fix(contract): a contract fix',
    );

    const run = await pipeline(root, 'contract fix (catalog, pricing)', env);

    assert.equal(run.code, 0, run.output);
    assert.deepEqual(pushedServices(run), ['catalog', 'pricing']);
    assert.deepEqual(versions(), {
      hello: before.hello,
      catalog: patched(before.catalog),
      pricing: patched(before.pricing),
    });
  });

  it('builds no image and releases nothing after a docs-only change', async () => {
    const before = versions();
    commitChange(root, git, { 'README.md': 'A docs-only line.' }, 'docs: a docs-only change');

    const run = await pipeline(root, 'docs-only change', env);

    assert.equal(run.code, 0, run.output);
    assert.deepEqual(run.images, []);
    assert.deepEqual(versions(), before);
    assert.match(run.output, /no service image is affected by this change/);
    assert.match(run.output, /nothing to deploy: no new image, no service.json change, infra unchanged/);
    assert.match(run.output, /smoke: skipped \(no service deployed\)/);
  });

  it('writes nothing to the bucket in read-only cache mode; a chore in hello runs its checks but ships no image', async () => {
    commitChange(root, git, { 'apps/hello/src/routes.ts': '// tasks that miss the cache' }, 'chore(hello): touch');
    const before = bucketObjects();

    const run = await pipeline(root, 'read-only cache', { ...env, GANTRY_CACHE_MODE: 'read-only' });

    assert.equal(run.code, 0, run.output);
    assert.ok(run.checks.ran > 0, 'some tasks missed the cache, so a read-write cache would have stored them');
    assert.equal(bucketObjects(), before);
    assert.match(run.output, /hello: affected but not released/);
    assert.deepEqual(run.images, []);
  });

  it('stops before versioning or pushing anything when a test of an affected project fails', async () => {
    writeFileSync(
      join(root, 'apps/hello/src/broken.spec.ts'),
      "it('fails on purpose', () => { expect(1).toBe(2); });\n",
    );
    commitChange(root, git, {}, 'fix(hello): a failing test');
    const before = { tags: git('tag', '--list'), origin: originRefs() };

    const run = await pipeline(root, 'failing test', env);

    assert.equal(run.code, 1);
    assert.match(run.output, /pipeline FAILED: checks failed \(.*hello:test/);
    assert.doesNotMatch(run.output, /▶ version/);
    assert.deepEqual({ tags: git('tag', '--list'), origin: originRefs() }, before);
  });
});

describe('a fresh clone of the same commit', () => {
  it('gets every cacheable task from the warm remote cache, and builds everything when its base is not in the history', async () => {
    const { root } = cloneWorkspace(source, 'pipeline-b');
    writeFileSync(
      join(root, '.gantry-base.json'),
      JSON.stringify({ commit: '0123456789abcdef0123456789abcdef01234567' }),
    );

    const run = await pipeline(root, 'fresh clone, warm remote cache', { GANTRY_BASE_FILE: '.gantry-base.json' });

    assert.equal(run.code, 0, run.output);
    assert.match(
      run.output,
      /BUILDING EVERYTHING: the recorded commit 0123456789abcdef0123456789abcdef01234567 is not in this repository's history/,
    );
    assert.ok(run.checks.tasks > 0);
    assert.equal(run.checks.remoteHits, run.checks.tasks, `expected only remote hits:\n${run.output}`);
    console.log(`\npipeline wall times (one run, side by side):\n  ${timings.join('\n  ')}`);
  });
});
