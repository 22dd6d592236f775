// The pipeline end to end on real temporary git clones, the real Nx CLI, a real Docker engine,
// Debian's docker-registry as ECR and s3rver as S3. Run with `npm run test:pipeline` after
// `npm run docker:engine -- start`. Scenarios share one S3 bucket and registry, in order.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultEngineLayout, dockerCli, engineAnswers } from '@gantry/docker';
import { registryClient, type ServiceImageResult } from '@gantry/images';
import { freePort, git as gitIn, runLines, waitUntil } from '@gantry/process';
import { cloneWorkspace, commitChange, generateService } from '@gantry/process/testing';
import { loadCatalog, serviceVersion } from '@gantry/service-catalog';
import type { DeployedImage } from './deploy-record';
import { stopStandins } from './local-standins';
import type { ChecksState, DeployState, VersionState } from './steps';
import { runPipelineIn, sandboxEnv } from './testing';

const source = resolve(__dirname, '../../..');
/** Every service in the catalog, sorted: what a change to everything builds and ships. */
const allServices = loadCatalog(source)
  .map((entry) => entry.name)
  .sort();
const baseEnv = sandboxEnv(source, 15_000 + (process.pid % 1000));
const stateHome = baseEnv['GANTRY_STATE_HOME'] as string;
const registry = registryClient(`127.0.0.1:${baseEnv['GANTRY_REGISTRY_PORT']}`);
const gateway = `http://127.0.0.1:${baseEnv['GANTRY_LOCAL_ALB_PORT']}`;
const timings: string[] = [];
/** What the first, single-machine run shipped, for the sharded run of the same commit to match. */
let singleMachine: { shipped: string[]; tags: string[]; plan: string[] } | undefined;

interface Run {
  code: number;
  output: string;
  checks: ChecksState;
  version: VersionState;
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
    version: run.state('version', {} as VersionState),
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

/** Each pushed image as service:version, sorted: the same for any machine that builds the same commit. */
const shippedTags = (run: Run) => run.images.map((image) => `${image.service}:${image.tags[0]}`).sort();
const planOf = (run: Run) => [
  ...run.deploy.plan.platformStacks,
  ...run.deploy.plan.services.map((s) => `${s.stack}:${s.version}`),
];

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

/** What the local stand-in serves at a service's version route, through its gateway (the ALB's stand-in). */
async function servedVersion(service: string): Promise<string> {
  const response = await fetch(`${gateway}/${service}/version`);
  return ((await response.json()) as { version: string }).version;
}

/** The local deploy record (the stand-in for the SSM records): each service's deploys, newest first. */
function deployHistory(service: string): string[] {
  const file = join(stateHome, 'deploys/dev.json');
  if (!existsSync(file)) return [];
  return ((JSON.parse(readFileSync(file, 'utf8')) as Record<string, DeployedImage[]>)[service] ?? []).map(
    (d) => d.version,
  );
}

before(async () => {
  assert.ok(
    await engineAnswers(defaultEngineLayout(process.env, source).host),
    'no Docker engine: run `npm run docker:engine -- start` first',
  );
});

// The registry, the local gateway and what it runs outlive each pipeline run; the engine belongs to .ci/run.
after(() => stopStandins(source, baseEnv, () => undefined, { engine: false }));

describe('the pipeline on one clone, change after change', () => {
  const { root, git } = cloneWorkspace(source, 'pipeline-a');
  // origin: the bare copy `npm run pipeline` makes of the checkout on its first run; releases are pushed there.
  const origin = join(root, '.gantry/origin.git');
  const env = {};
  const versionOf = (service: string) => serviceVersion(root, service);
  const versions = (): Record<string, string> => Object.fromEntries(allServices.map((name) => [name, versionOf(name)]));
  const originRefs = () => gitIn(origin, ['for-each-ref', '--format=%(refname) %(objectname)']);
  const originTag = (tag: string) => gitIn(origin, ['rev-parse', `${tag}^{commit}`]);
  const originMain = () => gitIn(origin, ['rev-parse', 'main']);

  it('builds and pushes every image on the first run, saying why, and pushes main and the baseline tags to origin', async () => {
    const run = await pipeline(root, 'cold run, everything', env);

    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /BUILDING EVERYTHING: no deployed commit is recorded/);
    assert.deepEqual(pushedServices(run), allServices);
    for (const image of run.images) assert.equal(image.tags[0], versionOf(image.service));
    assert.ok(run.checks.ran > 0);
    // Building everything deploys everything: the shared stacks, then every service at its version.
    const deploy = run.deploy;
    assert.deepEqual(deploy.plan.platformStacks, ['Gantry-dev-Network', 'Gantry-dev-Platform']);
    assert.deepEqual(
      deploy.plan.services.map((s) => `${s.service}:${s.version}`),
      allServices.map((name) => `${name}:${versionOf(name)}`),
    );
    for (const name of allServices)
      assert.match(run.output, new RegExp(`\\[smoke\\] ${name}: healthy, reports ${versionOf(name)}`));
    assert.equal(originMain(), git('rev-parse', 'HEAD'));
    assert.equal(originTag(`hello@${versionOf('hello')}`), git('rev-parse', `hello@${versionOf('hello')}^{commit}`));
    // The local stand-in keeps serving after the run, and records what it runs.
    assert.equal(await servedVersion('hello'), versionOf('hello'));
    assert.deepEqual(deployHistory('hello'), [versionOf('hello')]);
    singleMachine = { shipped: shippedTags(run), tags: git('tag', '--list').split('\n'), plan: planOf(run) };
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
      services: [
        {
          service: 'hello',
          stack: 'Gantry-dev-Service-hello',
          version: next,
          digest: run.images[0].digest,
          why: 'new image',
        },
      ],
    });
    assert.match(
      run.output,
      new RegExp(`Gantry-dev-Service-hello: hello runs gantry/hello:${next.replace(/\./g, '\\.')} \\(new image\\)`),
    );
    assert.match(run.output, /templates checked: 1 service stack\(s\) run their new digests/);
    assert.match(run.output, new RegExp(`\\[smoke\\] hello: healthy, reports ${next.replace(/\./g, '\\.')}`));
    assert.equal(await servedVersion('hello'), next);
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

  it('fix in the catalog contract gives catalog, pricing and orders a patch and pushes only their images', async () => {
    const before = versions();
    commitChange(
      root,
      git,
      { 'libs/catalog-contract/src/product.ts': '// a contract fix' },
      'fix(contract): a contract fix',
    );

    const run = await pipeline(root, 'contract fix (catalog, pricing, orders)', env);

    assert.equal(run.code, 0, run.output);
    assert.deepEqual(pushedServices(run), ['catalog', 'orders', 'pricing']);
    assert.deepEqual(versions(), {
      ...before,
      catalog: patched(before.catalog),
      orders: patched(before.orders),
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

  /** CodeBuild's next run starts from a fresh clone: what the failed run made and never pushed is gone. */
  const dropUnpushed = (run: Run) => {
    git('reset', '-q', '--hard', run.version.source);
    const pushed = gitIn(origin, ['tag', '--list']).split('\n');
    for (const tag of run.version.tags ?? []) if (!pushed.includes(tag)) git('tag', '-d', tag);
    rmSync(join(root, 'dist/pipeline'), { recursive: true, force: true });
  };
  const helloServiceJson = join(root, 'apps/hello/service.json');
  /** The run released a patch of every service and pushed each one's image. */
  const assertEveryServicePatched = (run: Run, before: ReturnType<typeof versions>) => {
    assert.equal(run.code, 0, run.output);
    assert.deepEqual(
      versions(),
      Object.fromEntries(Object.entries(before).map(([name, version]) => [name, patched(version)])),
    );
    assert.deepEqual(pushedServices(run), allServices);
  };

  it('never gives a version twice: deploy, smoke and record each fail after images, and a fix ships the next free version', async () => {
    const running = versionOf('hello');
    const v = (n: number) => running.replace(/\d+$/, (patch) => String(Number(patch) + n));
    const original = readFileSync(helloServiceJson, 'utf8');

    // 1. The release's container exits at start (a log level the kit refuses): deploy fails, the old one serves.
    writeFileSync(helloServiceJson, original.replace('"env": {}', '"env": { "LOG_LEVEL": "loud" }'));
    commitChange(root, git, {}, 'fix(hello): log loudly');
    const deployFails = await pipeline(root, 'recovery: deploy fails', env);
    assert.equal(deployFails.code, 1, deployFails.output);
    assert.match(
      deployFails.output,
      new RegExp(
        `hello ${v(1).replace(/\./g, '\\.')}: the new container exited before it was ready; ${running.replace(/\./g, '\\.')} keeps serving`,
      ),
    );
    assert.equal(await servedVersion('hello'), running);
    assert.equal(deployHistory('hello')[0], running, 'a failed deploy is not recorded as running');
    dropUnpushed(deployFails);

    // 2. The fix deploys, but the smoke test cannot reach the load balancer: 1 is spent, so it is 2.
    writeFileSync(helloServiceJson, original);
    commitChange(root, git, {}, 'fix(hello): log at the usual level');
    const smokeFails = await pipeline(root, 'recovery: smoke fails', {
      ...env,
      GANTRY_SMOKE_URL: `http://127.0.0.1:${await freePort()}`,
      GANTRY_SMOKE_TIMEOUT_MS: '1000',
    });
    assert.equal(smokeFails.code, 1, smokeFails.output);
    assert.match(smokeFails.output, new RegExp(`passed over ${v(1).replace(/\./g, '\\.')}`));
    assert.match(smokeFails.output, /pipeline FAILED: smoke test through http:\/\/127\.0\.0\.1:\d+ failed/);
    assert.equal(deployHistory('hello')[0], running, 'a deploy that failed its smoke test is not recorded');
    dropUnpushed(smokeFails);

    // 3. Deploy and smoke pass, but origin refuses the push: what runs is recorded, no tag goes public.
    const hook = join(origin, 'hooks/pre-receive');
    writeFileSync(hook, '#!/bin/sh\necho "main is protected" >&2\nexit 1\n');
    chmodSync(hook, 0o755);
    commitChange(root, git, { 'apps/hello/src/routes.ts': '// why the log level matters' }, 'docs(hello): say why');
    const recordFails = await pipeline(root, 'recovery: record fails', env);
    rmSync(hook);
    assert.equal(recordFails.code, 1, recordFails.output);
    assert.match(recordFails.output, /main is protected/);
    assert.equal(await servedVersion('hello'), v(3));
    assert.equal(deployHistory('hello')[0], v(3), 'it ran and passed its smoke test, so it is what runs');
    dropUnpushed(recordFails);

    // 4. The next fix is green on the first free version; no version tag names two images.
    commitChange(root, git, { 'apps/hello/src/routes.ts': '// the fix' }, 'fix(hello): the fix');
    const green = await pipeline(root, 'recovery: the fix ships', env);
    assert.equal(green.code, 0, green.output);
    assert.equal(versionOf('hello'), v(4));
    assert.equal(await servedVersion('hello'), v(4));
    const tags = gitIn(origin, ['tag', '--list', 'hello@*']).split('\n');
    assert.ok(tags.includes(`hello@${v(4)}`));
    for (const n of [1, 2, 3]) assert.ok(!tags.includes(`hello@${v(n)}`), `hello@${v(n)} was never released`);
    const digests = await Promise.all([1, 2, 3, 4].map((n) => registry.manifestDigest('gantry/hello', v(n))));
    assert.equal(new Set(digests).size, 4, `one image per version: ${digests.join(', ')}`);
    // The image that runs carries the environment's tag, which the ECR lifecycle never expires.
    assert.equal(await registry.manifestDigest('gantry/hello', 'deployed-dev'), digests[3]);
    // The released tag and its image name the same commit: the tag never points at another run's image.
    const labels = await registry.labels('gantry/hello', v(4));
    assert.equal(labels?.['org.opencontainers.image.revision'], gitIn(origin, ['rev-parse', `hello@${v(4)}^{commit}`]));
  });

  it('npm run rollback -- hello puts the previous version back by digest, and refuses a version with no image', async () => {
    const [current, previous] = deployHistory('hello');
    const rollback = (...args: string[]) =>
      runLines(process.execPath, ['--import', 'tsx', join(root, 'tools/pipeline/src/rollback-main.ts'), ...args], {
        cwd: root,
        env: baseEnv,
      });

    const started = performance.now();
    const back = await rollback('hello');
    timings.push(`rollback: ${((performance.now() - started) / 1000).toFixed(1)} s`);

    assert.equal(back.code, 0, back.lines.join('\n'));
    assert.ok(
      back.lines.includes(`[rollback] hello: ${current} → ${previous}`) ||
        back.lines.some((l) => l.startsWith(`[rollback] hello: ${current} → ${previous} in `)),
      back.lines.join('\n'),
    );
    assert.equal(await servedVersion('hello'), previous);
    assert.deepEqual(deployHistory('hello').slice(0, 2), [previous, current]);
    assert.equal(
      await registry.manifestDigest('gantry/hello', 'deployed-dev'),
      await registry.manifestDigest('gantry/hello', previous),
    );

    const refused = await rollback('hello', '9.9.9');
    assert.equal(refused.code, 1);
    assert.match(
      refused.lines.join('\n'),
      new RegExp(
        `hello: there is no image gantry/hello:9\\.9\\.9 in 127\\.0\\.0\\.1:\\d+; versions with an image: .*${current.replace(/\./g, '\\.')}`,
      ),
    );
    assert.equal(await servedVersion('hello'), previous);
  });

  it('ships a lock-file bump of a bundled package as a patch that names it, and a dev-only bump as nothing', async () => {
    const lockFile = join(root, 'package-lock.json');
    const bump = (name: string, version: string) => {
      const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as { packages: Record<string, { version: string }> };
      const before = lock.packages[`node_modules/${name}`].version;
      lock.packages[`node_modules/${name}`].version = version;
      writeFileSync(lockFile, `${JSON.stringify(lock, null, 2)}\n`);
      return before;
    };
    const before = versions();
    bump('prettier', '99.0.0');
    commitChange(root, git, {}, 'chore(deps-dev): bump prettier');
    const devOnly = await pipeline(root, 'dev-only dependency bump', env);
    assert.equal(devOnly.code, 0, devOnly.output);
    assert.deepEqual(devOnly.version.released, []);
    assert.deepEqual(versions(), before);

    const fastify = bump('fastify', '5.99.0');
    commitChange(root, git, {}, 'chore(deps): bump fastify');
    const run = await pipeline(root, 'bundled dependency bump', env);

    assertEveryServicePatched(run, before);
    const changelog = readFileSync(join(root, 'apps/hello/CHANGELOG.md'), 'utf8');
    assert.match(
      changelog.split(/^## /m)[1],
      new RegExp(`- dependency fastify ${fastify.replace(/\./g, '\\.')} → 5\\.99\\.0`),
    );
    assert.doesNotMatch(changelog.split(/^## /m)[1], /prettier/);
  });

  it('patch-releases every service when the pinned base image changes', async () => {
    const before = versions();
    const dockerfile = join(root, 'tools/images/service.Dockerfile');
    writeFileSync(
      dockerfile,
      readFileSync(dockerfile, 'utf8').replace(/@sha256:[0-9a-f]{64}/, `@sha256:${'e'.repeat(64)}`),
    );
    commitChange(root, git, {}, 'build(images): a newer node base image');

    const run = await pipeline(root, 'base image bump', env);

    assertEveryServicePatched(run, before);
    assert.match(
      readFileSync(join(root, 'apps/pricing/CHANGELOG.md'), 'utf8'),
      new RegExp(`- base image \\S+ → \\S+@sha256:${'e'.repeat(64)}`),
    );
  });

  it('ships a service made by the generator alone, at 0.1.0, from its own image, stack and route', async () => {
    const before = versions();
    await generateService(root, 'invoices');
    // The clone's node_modules are the source's, linked: npm records the new workspace in the lock file only,
    // which `npm ci` in CodeBuild needs.
    execFileSync('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'], {
      cwd: root,
      stdio: 'ignore',
    });
    commitChange(root, git, {}, 'feat(invoices): a new service from the generator');

    const run = await pipeline(root, 'feat(invoices): a generated service', env);

    assert.equal(run.code, 0, run.output);
    assert.deepEqual(versions(), before, 'no other service moved');
    assert.equal(versionOf('invoices'), '0.1.0');
    assert.ok(originTag('invoices@0.1.0'), 'invoices@0.1.0 is tagged on origin');
    assert.deepEqual(pushedServices(run), ['invoices']);
    assert.deepEqual(
      run.deploy.plan.services.map((service) => `${service.stack}:${service.version}`),
      ['Gantry-dev-Service-invoices:0.1.0'],
    );
    assert.deepEqual(run.deploy.plan.platformStacks, []);
    assert.match(run.output, /\[smoke\] invoices: healthy, reports 0\.1\.0/);
    assert.equal(await servedVersion('invoices'), '0.1.0');
    assert.deepEqual(await (await fetch(`${gateway}/invoices`)).json(), { service: 'invoices' });
  });

  it('stops before the deploy when a migration fails on the data, saying which and why; orders keeps serving', async () => {
    const served = await servedVersion('orders');
    // Data the tests never make: a note longer than the migration below allows.
    const placed = await fetch(`${gateway}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items: [{ productId: 'sku-001', quantity: 1 }], note: 'n'.repeat(300) }),
    });
    assert.equal(placed.status, 201, await placed.clone().text());
    const order = (await placed.json()) as { id: string };
    const folder = join(root, 'apps/orders/src/migrations');
    const name = `${String(readdirSync(folder).filter((file) => file.endsWith('.sql')).length + 1).padStart(4, '0')}_shorter_notes`;
    writeFileSync(
      join(folder, `${name}.sql`),
      'ALTER TABLE orders ADD CONSTRAINT orders_note_max_200 CHECK (char_length(note) <= 200);\n',
    );
    const index = join(folder, 'index.ts');
    writeFileSync(
      index,
      readFileSync(index, 'utf8')
        .replace(/^(import [^\n]+\.sql';\n)(?!import)/m, `$1import shorterNotes from './${name}.sql';\n`)
        .replace(/\n\];/, `\n  { name: '${name}', sql: shorterNotes },\n];`),
    );
    git('add', '-A');
    git('commit', '-qm', 'feat(orders): notes of at most 200 characters');
    const migration = git('rev-parse', 'HEAD');

    const run = await pipeline(root, 'failed migration', env);

    assert.equal(run.code, 1, run.output);
    assert.match(
      run.output,
      new RegExp(
        `migration ${name} failed: check constraint "orders_note_max_200" of relation "orders" is violated by some row`,
      ),
    );
    assert.match(run.output, /the service was not deployed and keeps running its current version/);
    assert.doesNotMatch(run.output, /▶ deploy/);
    assert.equal(await servedVersion('orders'), served);
    assert.equal((await fetch(`${gateway}/orders/${order.id}`)).status, 200);
    git('revert', '--no-edit', migration);
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

describe('the same first run, sharded', () => {
  it('checks and builds in parallel shards and ships the same images, tags and deploy plan as one machine', async () => {
    // GIVEN a clone of the same commit with stand-ins of its own, and shards that take 2 projects and 1 image each
    assert.ok(singleMachine, 'the single-machine first run must run first');
    const { root, git } = cloneWorkspace(source, 'pipeline-sharded');
    const env = sandboxEnv(source, 15_000 + ((process.pid + 500) % 1000));
    const sharding = { GANTRY_SHARDS: '3', GANTRY_SHARD_PROJECTS: '2', GANTRY_SHARD_IMAGES: '1' };

    try {
      // WHEN its first run spreads over parallel workers
      const run = await runPipelineIn(root, { ...env, ...sharding });
      timings.push(`cold run, sharded: ${run.seconds.toFixed(1)} s`);

      // THEN every shard did its share, with the remote cache shared
      assert.equal(run.code, 0, run.output);
      assert.match(run.output, /projects to check, more than 2 \(GANTRY_SHARD_PROJECTS\) for one build: 3 shards/);
      assert.match(run.output, /candidate images, more than 1 \(GANTRY_SHARD_IMAGES\) for one build: 3 shards/);
      for (const shard of ['1/3', '2/3', '3/3']) {
        assert.match(run.output, new RegExp(`\\[shard ${shard}\\] \\[checks\\] checks: \\d+ tasks`));
        assert.match(run.output, new RegExp(`\\[shard ${shard}\\] \\[images\\] \\S+: pushed`));
      }
      const sharded = {
        images: run.state<ServiceImageResult[]>('images', []),
        deploy: run.state('deploy', {} as DeployState),
      };
      // AND the outcome is the single machine's: the same images, tags and deploy plan
      assert.deepEqual(
        {
          shipped: shippedTags({ images: sharded.images } as Run),
          tags: git('tag', '--list').split('\n'),
          plan: planOf({ deploy: sharded.deploy } as Run),
        },
        singleMachine,
      );
    } finally {
      await stopStandins(source, env, () => undefined, { engine: false });
    }
  });
});
