// Container tests: real images from a real engine, run read-only as non-root, probed from outside.
// Run with `npm run test:containers` after `npm run docker:engine -- start`.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildLocalBaseImage, defaultEngineLayout, dockerCli, engineAnswers } from '@gantry/docker';
import { headOrUnknown, waitUntil } from '@gantry/process';
import { loadCatalog, resolveEnv, serviceVersion, type ServiceEntry } from '@gantry/service-catalog';
import { buildImage, imageSize } from './build';
import { listImageFiles } from './image-files';

const root = resolve(__dirname, '../../..');
const layout = defaultEngineLayout(process.env, root);
const docker = dockerCli(layout.host);
const catalog = loadCatalog(root);
const run = `gantry-ct-${process.pid}`;
const revision = headOrUnknown(root);
const builtAt = new Date().toISOString();
const devDependencies = Object.keys(JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')).devDependencies);

interface Running {
  entry: ServiceEntry;
  tag: string;
  version: string;
  container: string;
  url: string;
}
const running = new Map<string, Running>();
const sizes: string[] = [];

async function waitHealthy(container: string, timeoutMs = 90_000): Promise<void> {
  let status = '';
  const settled = await waitUntil(
    async () => {
      status = await docker(['inspect', '--format', '{{.State.Health.Status}}', container]);
      return status === 'healthy' || status === 'unhealthy';
    },
    { timeoutMs, intervalMs: 500 },
  );
  if (settled && status === 'healthy') return;
  const logs = await docker(['logs', '--tail', '20', container]).catch(() => '');
  throw new Error(`${container} is ${status || 'not running'} after waiting; last logs:\n${logs}`);
}

before(async () => {
  assert.ok(
    await engineAnswers(layout.host),
    `no Docker engine at ${layout.host}: run \`npm run docker:engine -- start\` first`,
  );
  console.log(`building local base image from ${process.execPath} (${process.version})`);
  const nodeImage = await buildLocalBaseImage(docker);
  await docker(['network', 'create', run]);
  for (const entry of catalog) {
    const version = serviceVersion(root, entry.name);
    const built = await buildImage(docker, {
      workspaceRoot: root,
      service: entry.name,
      version,
      revision,
      builtAt,
      nodeImage,
      log: console.log,
    });
    assert.equal(built.kind, 'local', 'without a registry the image is built into the engine');
    const tag = built.kind === 'local' ? built.localImage : '';
    console.log(`built ${tag}`);
    running.set(entry.name, { entry, tag, version, container: `${run}-${entry.name}`, url: '' });
  }
  for (const service of running.values()) {
    // Other services are reached by container name on the run's network, as Cloud Map/ALB names would be.
    const env = Object.entries(
      resolveEnv(service.entry, (name) => `http://${run}-${name}:${running.get(name)?.entry.port}`),
    ).map(([k, v]) => `${k}=${v}`);
    await docker([
      'run',
      '--detach',
      '--name',
      service.container,
      '--network',
      run,
      '--network-alias',
      service.container,
      '--read-only',
      '--cap-drop',
      'ALL',
      '--security-opt',
      'no-new-privileges',
      '--publish',
      `127.0.0.1::${service.entry.port}`,
      ...env.flatMap((pair) => ['--env', pair]),
      service.tag,
    ]);
    const hostPort = (await docker(['port', service.container, String(service.entry.port)]))
      .split('\n')[0]
      .split(':')
      .pop();
    service.url = `http://127.0.0.1:${hostPort}`;
  }
  await Promise.all([...running.values()].map((service) => waitHealthy(service.container)));
});

after(async () => {
  for (const service of running.values()) {
    sizes.push(
      `${service.tag.padEnd(24)} ${((await imageSize(docker, service.tag).catch(() => 0)) / 1e6).toFixed(1)} MB`,
    );
    await docker(['rm', '--force', service.container]).catch(() => undefined);
  }
  await docker(['network', 'rm', run]).catch(() => undefined);
  console.log(`\nimage sizes (local base = host node ${process.version} + glibc):\n  ${sizes.join('\n  ')}`);
});

for (const name of catalog.map((entry) => entry.name)) {
  describe(`${name} image`, () => {
    const service = () => running.get(name) as Running;

    it('runs as the non-root node user with a read-only root filesystem', async () => {
      const user = await docker(['inspect', '--format', '{{.Config.User}}', service().container]);
      const readOnly = await docker(['inspect', '--format', '{{.HostConfig.ReadonlyRootfs}}', service().container]);
      const pid = await docker(['inspect', '--format', '{{.State.Pid}}', service().container]);
      const uid = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^Uid:\s+(\d+)/m)?.[1];

      assert.equal(user, 'node');
      assert.equal(readOnly, 'true');
      assert.equal(uid, '1000');
    });

    it('cannot write to its own filesystem', async () => {
      await assert.rejects(
        docker(['exec', service().container, 'node', '-e', "require('fs').writeFileSync('/app/x', 'y')"]),
        /EROFS|read-only/,
      );
    });

    it('reports healthy and answers health and version from outside the container', async () => {
      const health = await fetch(`${service().url}/${name}/health`);
      const version = await fetch(`${service().url}/${name}/version`);

      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok' });
      assert.deepEqual(await version.json(), { name, version: service().version, commit: revision, builtAt });
    });

    it('carries the OCI version and revision labels', async () => {
      const labels = JSON.parse(await docker(['inspect', '--format', '{{json .Config.Labels}}', service().tag]));

      assert.equal(labels['org.opencontainers.image.version'], service().version);
      assert.equal(labels['org.opencontainers.image.revision'], revision);
    });

    it('holds the bundle only: no TypeScript, tests or dev dependencies', async () => {
      const files = await listImageFiles(docker, service().container);
      const app = files.filter((file) => file.startsWith('app/'));

      assert.deepEqual(app, ['app/main.js']);
      assert.deepEqual(
        files.filter((file) => /\.(ts|tsx|cts|mts)$/.test(file) || /\.(spec|test)\.[cm]?js$/.test(file)),
        [],
      );
      assert.deepEqual(
        files.filter((file) => devDependencies.some((dep) => file.includes(`node_modules/${dep}/`))),
        [],
      );
    });
  });
}

describe('services talking to each other in containers', () => {
  it('prices a quote in the pricing container from the catalog container', async () => {
    const response = await fetch(`${running.get('pricing')?.url}/pricing/quotes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items: [{ productId: 'sku-001', quantity: 2 }] }),
    });

    assert.equal(response.status, 200);
    const quote = (await response.json()) as { lines: Array<{ name: string }>; totalCents: number };
    assert.equal(quote.lines[0].name, 'Claw hammer');
    assert.equal(quote.totalCents, 2 * 1899);
  });
});
