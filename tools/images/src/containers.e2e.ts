// Container tests: real images from a real engine, run read-only as non-root, probed from outside.
// Run with `npm run test:containers` after `npm run docker:engine -- start`.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildLocalBaseImage, defaultEngineLayout, dockerCli, engineAnswers, pinnedNode } from '@gantry/docker';
import { connectionEnv, startEmbeddedPostgres, type RunningPostgres } from '@gantry/database/embedded';
import { freePort, headOrUnknown, waitUntil } from '@gantry/process';
import { loadCatalog, MIGRATE_COMMAND, resolveEnv, type ServiceEntry } from '@gantry/service-catalog';
import { defaultNodeImage, imageSize, nodeMajorOf } from './build';
import { buildLocalServiceImages, type LocalServiceImage } from './local-images';
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
let nodeImage = '';
const databaseDir = mkdtempSync(join(tmpdir(), 'gantry-ct-postgres-'));
/** A real PostgreSQL on the host's loopback for the database services' containers, which use the host network. */
let postgres: RunningPostgres | undefined;
/** What `main.js migrate` printed in each database service's image. */
const migrated = new Map<string, string>();
const isolation = ['--read-only', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges'];

/**
 * A database service on the host network (PostgreSQL listens on loopback only): its own image runs its
 * migrations first, as the migrate step's one-off task does, then serves; it reaches the services before it
 * in the catalog through their published ports.
 */
async function startWithDatabase(service: Running): Promise<void> {
  const database = service.entry.database as NonNullable<ServiceEntry['database']>;
  postgres ??= await startEmbeddedPostgres({ dir: databaseDir, port: await freePort(), database: database.name });
  const db = Object.entries(connectionEnv({ ...postgres.connection, database: database.name }));
  const port = await freePort();
  const env = [
    ...Object.entries(resolveEnv(service.entry, (name) => running.get(name)?.url ?? `http://${name}.invalid`)),
    ...db,
    ['HOST', '127.0.0.1'],
    ['PORT', String(port)],
    ['METRICS_PORT', '0'],
  ].flatMap(([key, value]) => ['--env', `${key}=${value}`]);
  const migrate = `${service.container}-migrate`;
  await docker(['run', '--name', migrate, '--network', 'host', ...isolation, ...env, service.tag, ...MIGRATE_COMMAND]);
  migrated.set(service.entry.name, await docker(['logs', migrate]));
  await docker(['rm', '--force', migrate]);
  await docker([
    'run',
    '--detach',
    '--name',
    service.container,
    '--network',
    'host',
    ...isolation,
    ...env,
    service.tag,
  ]);
  service.url = `http://127.0.0.1:${port}`;
}

/**
 * Waits until the service's readiness route answers 200 from outside the container, as the ALB's target
 * health check would (the image has no HEALTHCHECK); gives up early, with its logs, if the container stops.
 */
async function waitReady(service: Running, timeoutMs = 90_000): Promise<void> {
  const url = `${service.url}/${service.entry.name}/ready`;
  let last = 'no answer yet';
  const settled = await waitUntil(
    async () => {
      const state = await docker(['inspect', '--format', '{{.State.Status}}', service.container]);
      if (state !== 'running') {
        last = `the container is ${state}`;
        return 'stopped';
      }
      // A ref'd timer, not AbortSignal.timeout (unref'd): on Node 20 a fetch to the published port before
      // the service listens could stay pending with no ref'd handle, and the test run ended mid-`before`.
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), 2_000);
      try {
        const response = await fetch(url, { signal: abort.signal });
        last = `HTTP ${response.status}`;
        await response.body?.cancel();
        return response.status === 200 && 'ready';
      } catch (error) {
        last = (error as Error).message;
        return false;
      } finally {
        clearTimeout(timer);
      }
    },
    { timeoutMs, intervalMs: 250 },
  );
  if (settled === 'ready') return;
  const logs = await docker(['logs', '--tail', '20', service.container]).catch(() => '');
  throw new Error(`${url} is not ready after waiting (${last}); last logs of ${service.container}:\n${logs}`);
}

before(async () => {
  assert.ok(
    await engineAnswers(layout.host),
    `no Docker engine at ${layout.host}: run \`npm run docker:engine -- start\` first`,
  );
  nodeImage = await buildLocalBaseImage(docker, { log: console.log });
  console.log(`local base image ${nodeImage} (the toolchain runs Node ${process.version})`);
  await docker(['network', 'create', run]);
  const built = await buildLocalServiceImages(docker, {
    workspaceRoot: root,
    catalog,
    revision,
    builtAt,
    nodeImage,
    log: console.log,
  });
  for (const entry of catalog) {
    const { tag, version } = built.get(entry.name) as LocalServiceImage;
    console.log(`built ${tag}`);
    running.set(entry.name, { entry, tag, version, container: `${run}-${entry.name}`, url: '' });
  }
  for (const service of running.values()) {
    if (service.entry.database) {
      await startWithDatabase(service);
      continue;
    }
    // Other services are reached by container name on the run's network, as Cloud Map/ALB names would be.
    const env = Object.entries(
      resolveEnv(service.entry, (name) => `http://${run}-${name}:${running.get(name)?.entry.port}`),
    ).map(([k, v]) => `${k}=${v}`);
    await docker([
      'run', '--detach', '--name', service.container, '--network', run, '--network-alias', service.container,
      ...isolation, '--publish', `127.0.0.1::${service.entry.port}`,
      ...env.flatMap((pair) => ['--env', pair]),
      service.tag,
    ]); // prettier-ignore
    const hostPort = (await docker(['port', service.container, String(service.entry.port)]))
      .split('\n')[0]
      .split(':')
      .pop();
    service.url = `http://127.0.0.1:${hostPort}`;
  }
  await Promise.all([...running.values()].map((service) => waitReady(service)));
});

after(async () => {
  for (const service of running.values()) {
    sizes.push(
      `${service.tag.padEnd(24)} ${((await imageSize(docker, service.tag).catch(() => 0)) / 1e6).toFixed(1)} MB`,
    );
    await docker(['rm', '--force', service.container]).catch(() => undefined);
  }
  await docker(['network', 'rm', run]).catch(() => undefined);
  await postgres?.stop();
  rmSync(databaseDir, { recursive: true, force: true });
  console.log(`\nimage sizes (local base ${nodeImage} = ${pinnedNode().name} + glibc):\n  ${sizes.join('\n  ')}`);
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

    it('runs the Node the production base image runs: the pinned 24.x, the Dockerfile base image major', async () => {
      const version = await docker(['exec', service().container, 'node', '--version']);

      assert.equal(version, `v${pinnedNode().version}`);
      assert.equal(version.split('.')[0], `v${nodeMajorOf(defaultNodeImage())}`);
    });

    it('cannot write to its own filesystem', async () => {
      await assert.rejects(
        docker(['exec', service().container, 'node', '-e', "require('fs').writeFileSync('/app/x', 'y')"]),
        /EROFS|read-only/,
      );
    });

    it('answers ready, health and version from outside the container', async () => {
      const ready = await fetch(`${service().url}/${name}/ready`);
      const health = await fetch(`${service().url}/${name}/health`);
      const version = await fetch(`${service().url}/${name}/version`);

      assert.equal(ready.status, 200);
      assert.deepEqual(await ready.json(), { status: 'ready' });
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok' });
      assert.deepEqual(await version.json(), { name, version: service().version, commit: revision, builtAt });
    });

    it('carries the OCI version and revision labels, and no HEALTHCHECK (the ALB judges readiness)', async () => {
      const labels = JSON.parse(await docker(['inspect', '--format', '{{json .Config.Labels}}', service().tag]));
      const healthcheck = await docker(['inspect', '--format', '{{json .Config.Healthcheck}}', service().tag]);

      assert.equal(labels['org.opencontainers.image.version'], service().version);
      assert.equal(labels['org.opencontainers.image.revision'], revision);
      assert.equal(healthcheck, 'null');
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
  it('migrates the orders database with the orders image itself, then places an order priced by pricing', async () => {
    const orders = running.get('orders') as Running;
    assert.match(migrated.get('orders') ?? '', /"msg":"applied \d+ migration\(s\): 0001_create_orders/);

    const response = await fetch(`${orders.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'ct-1' },
      body: JSON.stringify({ items: [{ productId: 'sku-001', quantity: 2 }] }),
    });

    assert.equal(response.status, 201, await response.clone().text());
    const order = (await response.json()) as { id: string; totalCents: number };
    assert.equal(order.totalCents, 2 * 1899);
    assert.equal((await fetch(`${orders.url}/orders/${order.id}`)).status, 200);
  });

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
