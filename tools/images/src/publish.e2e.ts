// Image step end to end: a real engine builds hello, a real docker-registry on 127.0.0.1 holds the tags.
// Run after `npx nx run hello:build` and `npm run docker:engine -- start`:
//   tsx --test --test-reporter=spec tools/images/src/publish.e2e.ts
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  buildLocalBaseImage,
  defaultEngineLayout,
  dockerCli,
  engineAnswers,
  pinnedNode,
  registryAnswers,
  registryLayout,
  startRegistry,
  stopRegistry,
  type RegistryLayout,
} from '@gantry/docker';
import { freePort, git, livePid, waitUntil } from '@gantry/process';
import { bundlePath, loadCatalog, serviceVersion } from '@gantry/service-catalog';
import { buildImage, detectBuildx, type BuildxSupport, type BuiltImage } from './build';
import { ImmutableTagError, imageTags, publishImage, type PublishOptions, type PublishResult } from './publish';
import { registryClient, type RegistryClient } from './registry-client';
import { runImageStep } from './step';

const root = resolve(__dirname, '../../..');
const engine = defaultEngineLayout(process.env, root);
const docker = dockerCli(engine.host);
const commit = git(root, ['rev-parse', 'HEAD']);
const version = serviceVersion(root, 'hello');
const catalog = loadCatalog(root);
const repository = 'gantry/hello';
const tags = imageTags(version, commit);
const work = mkdtempSync(join(tmpdir(), 'gantry-images-e2e-'));
const lines: string[] = [];
const log = (line: string) => {
  lines.push(line);
  console.log(`  [images] ${line}`);
};

let layout: RegistryLayout;
let registry: RegistryClient;
let nodeImage: string;
let buildx: BuildxSupport;
let first: { built: BuiltImage; configDigest: string; result: PublishResult };

async function build(builtAt: string): Promise<BuiltImage> {
  return buildImage(docker, {
    workspaceRoot: root,
    service: 'hello',
    version,
    revision: commit,
    builtAt,
    nodeImage,
    registry: registry.host,
    repository,
    buildx,
    log,
  });
}

/** True once the pid is gone (reaped, not merely a zombie), within `timeoutMs`. */
async function exited(pid: number, timeoutMs = 5_000): Promise<boolean> {
  const gone = () => {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  };
  return (await waitUntil(gone, { timeoutMs })) === true;
}

function source(built: BuiltImage): Pick<PublishOptions, 'localImage' | 'pushed'> {
  return built.kind === 'local' ? { localImage: built.localImage } : { pushed: built.pushed };
}

function configOf(built: BuiltImage): string {
  return built.kind === 'local' ? built.imageId : built.pushed.configDigest;
}

before(async () => {
  assert.ok(
    await engineAnswers(engine.host),
    `no Docker engine at ${engine.host}: run \`npm run docker:engine -- start\` first`,
  );
  assert.ok(
    existsSync(join(root, bundlePath('hello'))),
    `${bundlePath('hello')} is missing: run \`npx nx run hello:build\` first`,
  );
  layout = registryLayout(join(work, 'registry'), await freePort());
  await startRegistry(layout, log);
  registry = registryClient(layout.address);
  nodeImage = await buildLocalBaseImage(docker);
  buildx = await detectBuildx(docker);
  console.log(`  buildx: ${buildx.usable ? `${buildx.version} (${buildx.driver})` : `not usable: ${buildx.reason}`}`);
});

after(async () => {
  // The engine keeps a tag for every push; drop the ones naming this run's registry.
  const refs = layout
    ? (await docker(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}']).catch(() => '')).split('\n')
    : [];
  for (const ref of refs.filter((each) => each.startsWith(`${layout.address}/`))) {
    await docker(['image', 'rm', ref]).catch(() => undefined);
  }
  if (layout) await stopRegistry(layout, log).catch((error: Error) => console.error(error.message));
  rmSync(work, { recursive: true, force: true });
});

describe('docker-registry as the ECR stand-in', () => {
  it('runs from its own home on 127.0.0.1, records its pid, and a second start reuses it', async () => {
    const pid = livePid(layout.pidFile, layout.configFile);

    assert.ok(pid, `no live docker-registry pid in ${layout.pidFile}`);
    assert.match(readFileSync(`/proc/${pid}/cmdline`, 'utf8'), /docker-registry\0serve\0.*config\.yml/);
    assert.equal((await fetch(`${layout.url}/v2/`)).status, 200);
    assert.equal(await startRegistry(layout, log), pid);
  });
});

describe('publishing hello', () => {
  it('builds the image, with the classic builder when buildx cannot push with a registry cache', async () => {
    const built = await build('2026-01-01T00:00:00.000Z');

    if (buildx.usable) {
      assert.equal(built.kind, 'pushed');
    } else {
      assert.equal(built.kind, 'local');
      assert.ok(
        lines.some(
          (line) =>
            line ===
            `hello: classic docker build; BuildKit registry cache not used: ${buildx.usable ? '' : buildx.reason}`,
        ),
      );
    }
    first = { built, configDigest: configOf(built), result: undefined as unknown as PublishResult };
    assert.match(first.configDigest, /^sha256:[0-9a-f]{64}$/);
  });

  it('pushes the version and commit tags and records the manifest digest', async () => {
    const result = await publishImage(docker, registry, {
      service: 'hello',
      repository,
      tags,
      ...source(first.built),
      log,
    });
    first.result = result;

    assert.deepEqual(result.pushed, tags);
    assert.deepEqual(result.skipped, []);
    assert.equal(result.image, `${layout.address}/gantry/hello`);
    assert.match(result.digest, /^sha256:[0-9a-f]{64}$/);
    // The labels the release reads back to tell its own image from another run's.
    const labels = await registry.labels(repository, version);
    assert.equal(labels?.['org.opencontainers.image.version'], version);
    assert.equal(labels?.['dev.gantry.source-commit'], commit, 'without a source commit, the revision is the source');
    for (const tag of tags) {
      assert.equal(
        await registry.manifestDigest(repository, tag),
        result.digest,
        `${tag} points to the recorded digest`,
      );
      assert.equal(await registry.configDigest(repository, tag), first.configDigest, `${tag} holds the built image`);
    }
  });

  it('lets the engine pull the image back by the recorded digest, and it runs the pinned Node 24', async () => {
    const ref = `${first.result.image}@${first.result.digest}`;

    await docker(['pull', ref]);

    assert.equal(await docker(['image', 'inspect', '--format', '{{.Id}}', ref]), first.configDigest);
    const node = await docker(['run', '--rm', ref, 'node', '--version']);
    assert.equal(node, `v${pinnedNode().version}`);
    assert.match(node, /^v24\./);
  });

  it('skips both tags, saying so, when the same image is published again', async () => {
    lines.length = 0;

    const again = await publishImage(docker, registry, {
      service: 'hello',
      repository,
      tags,
      ...source(first.built),
      log,
    });

    assert.deepEqual(again.pushed, []);
    assert.deepEqual(again.skipped, tags);
    assert.equal(again.digest, first.result.digest);
    for (const tag of tags) {
      assert.ok(
        lines.includes(
          `hello: tag ${tag} already points to ${first.configDigest} in ${first.result.image}; skipping it (same image)`,
        ),
        `a skip line for ${tag} in:\n${lines.join('\n')}`,
      );
    }
  });

  it('refuses to move the tags to a rebuilt image, naming the service and both digests, and leaves the registry as it was', async () => {
    const rebuilt = await build('2026-06-30T12:00:00.000Z');
    const rebuiltConfig = configOf(rebuilt);
    assert.notEqual(rebuiltConfig, first.configDigest, 'a different BUILT_AT gives a different image id');

    await assert.rejects(
      publishImage(docker, registry, { service: 'hello', repository, tags, ...source(rebuilt), log }),
      (error: Error) => {
        assert.ok(error instanceof ImmutableTagError);
        console.log(`  refused:\n    ${error.message.split('\n').join('\n    ')}`);
        assert.equal(
          error.message.split('\n')[0],
          `hello: tag ${version} already points to ${first.configDigest} in ${layout.address}/gantry/hello; refusing to move it to ${rebuiltConfig} (tags are immutable)`,
        );
        assert.deepEqual(
          error.conflicts.map((conflict) => conflict.tag),
          tags,
        );
        return true;
      },
    );
    for (const tag of tags) {
      assert.equal(
        await registry.manifestDigest(repository, tag),
        first.result.digest,
        `${tag} still points to the first digest`,
      );
      assert.equal(await registry.configDigest(repository, tag), first.configDigest);
    }
  });

  it('pushes no tag at all when one of them would move (a new version with an old commit tag)', async () => {
    const rebuilt = await build('2026-07-01T00:00:00.000Z');

    await assert.rejects(
      publishImage(docker, registry, {
        service: 'hello',
        repository,
        tags: ['99.0.0', `sha-${commit}`],
        ...source(rebuilt),
        log,
      }),
      new RegExp(`^ImmutableTagError: hello: tag sha-${commit} already points to ${first.configDigest} `),
    );
    assert.equal(await registry.manifestDigest(repository, '99.0.0'), undefined, 'the new version tag was not pushed');
  });

  it('adds a tag to a manifest already in the registry through the API (the BuildKit path)', async () => {
    const result = await publishImage(docker, registry, {
      service: 'hello',
      repository,
      tags: [version, 'sha-copy'],
      pushed: { repository, manifestDigest: first.result.digest, configDigest: first.configDigest },
      log,
    });

    assert.deepEqual(result.skipped, [version]);
    assert.deepEqual(result.pushed, ['sha-copy']);
    assert.equal(await registry.manifestDigest(repository, 'sha-copy'), first.result.digest);
  });
});

describe('the image step', () => {
  it('builds and publishes the named services, reporting each image, its tags and its digest', async () => {
    const results = await runImageStep({
      workspaceRoot: root,
      catalog,
      docker,
      registry,
      services: ['hello'],
      commit,
      builtAt: '2026-01-01T00:00:00.000Z',
      nodeImage,
      repositoryPrefix: 'e2e-step',
      log,
    });

    assert.deepEqual(
      results.map(({ service, image, tags, digest, version, commit }) => ({
        service,
        image,
        tags,
        digest,
        version,
        commit,
      })),
      [
        {
          service: 'hello',
          image: `${layout.address}/e2e-step/hello`,
          tags,
          digest: await registry.manifestDigest('e2e-step/hello', version),
          version,
          commit,
        },
      ],
    );
    assert.deepEqual(results[0].pushed, tags);
  });
});

describe('a retried run of the same commit', () => {
  it('records the image the first run pushed instead of rebuilding it (a rebuild is never byte-identical)', async () => {
    const calls: string[][] = [];
    const recording: typeof docker = (args, options) => {
      calls.push(args);
      return docker(args, options);
    };
    lines.length = 0;

    const results = await runImageStep({
      workspaceRoot: root,
      catalog,
      docker: recording,
      registry,
      services: ['hello'],
      commit,
      builtAt: '2026-12-31T23:59:59.000Z',
      nodeImage,
      repositoryPrefix: 'e2e-step',
      log,
    });

    const digest = await registry.manifestDigest('e2e-step/hello', version);
    assert.deepEqual(calls, [], 'no docker command: nothing built, tagged or pushed');
    assert.deepEqual(
      { pushed: results[0].pushed, skipped: results[0].skipped, digest: results[0].digest },
      { pushed: [], skipped: tags, digest },
    );
    assert.ok(
      lines.some(
        (line) =>
          line.startsWith(`hello: ${tags.join(' and ')} already point to ${digest} in `) &&
          line.endsWith('not rebuilding'),
      ),
    );
  });
});

describe('stopping the registry', () => {
  it('stops it by its pid', async () => {
    const pid = livePid(layout.pidFile, layout.configFile) as number;

    await stopRegistry(layout, log);

    assert.equal(livePid(layout.pidFile), undefined);
    assert.ok(await exited(pid), `pid ${pid} still exists`);
    assert.equal(await registryAnswers(layout.url), false);
  });
});
