// A rolling restart of every service under load through the local stand-in's gateway, on a real engine with
// the real images: each service is redeployed (a new container beside the old one, checks through the test
// route, switch, drain) while its own route takes traffic, and no request fails. Bounded: the load lasts
// as long as each restart, at most 90 s, on loopback. Run with `npm run test:resilience`.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildLocalBaseImage, defaultEngineLayout, dockerCli, engineAnswers } from '@gantry/docker';
import { buildLocalServiceImages } from '@gantry/images';
import { LocalEnvironment, localLayout, stopLocalEnvironment, type LocalLayout } from '@gantry/pipeline';
import { freePort, headOrUnknown } from '@gantry/process';
import { loadCatalog, type ServiceEntry } from '@gantry/service-catalog';
import { underLoad, type LoadOptions } from './load';

const root = resolve(__dirname, '../../..');
const docker = dockerCli(defaultEngineLayout(process.env, root).host);
const catalog = loadCatalog(root);
const work = mkdtempSync(join(tmpdir(), 'gantry-rolling-'));
const log = (line: string) => console.log(`  [local] ${line}`);
const images = new Map<string, { reference: string; version: string; digest: string }>();
let layout: LocalLayout;
let environment: LocalEnvironment;

/** The request each service's route takes under load: its busiest path, with a body where it needs one. */
function trafficFor(entry: ServiceEntry): LoadOptions {
  const url = `${layout.url}${entry.prefix}`;
  if (entry.name === 'pricing') {
    return {
      url: `${url}/quotes`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items: [{ productId: 'sku-001', quantity: 2 }] }),
    };
  }
  if (entry.name === 'orders') {
    // A write per request: a restart must lose no order and fail no request.
    return {
      url,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items: [{ productId: 'sku-001', quantity: 1 }] }),
    };
  }
  return { url: entry.name === 'catalog' ? `${url}/products?limit=2` : url };
}

before(async () => {
  assert.ok(
    await engineAnswers(defaultEngineLayout(process.env, root).host),
    'no Docker engine: run `npm run docker:engine -- start` first',
  );
  const nodeImage = await buildLocalBaseImage(docker);
  const built = await buildLocalServiceImages(docker, {
    workspaceRoot: root,
    catalog,
    nodeImage,
    revision: headOrUnknown(root),
    builtAt: new Date().toISOString(),
    log,
  });
  for (const [name, image] of built)
    images.set(name, { reference: image.tag, version: image.version, digest: image.imageId });
  layout = localLayout(work, { GANTRY_LOCAL_ALB_PORT: String(await freePort()) });
  environment = await LocalEnvironment.open(root, layout, docker, log);
  for (const entry of catalog) {
    const image = images.get(entry.name) as { reference: string; version: string; digest: string };
    // As the pipeline does: a database service's migrations run before its first container starts.
    if (entry.database) log(await environment.migrate(entry, image));
    await environment.deploy(entry, image);
  }
});

after(async () => {
  await stopLocalEnvironment(root, layout, docker, log);
  rmSync(work, { recursive: true, force: true });
});

describe('a rolling restart of every service under load', () => {
  for (const entry of catalog) {
    it(`restarts ${entry.name} with no failed request on its route`, async () => {
      const run = await underLoad(trafficFor(entry), () =>
        environment.deploy(entry, images.get(entry.name) as { reference: string; version: string; digest: string }),
      );

      console.log(
        `  ${entry.name}: ${run.requests} requests during the restart, ${run.non2xx} non-2xx, ${run.errors} errors`,
      );
      assert.ok(!(run.result instanceof Error), String(run.result));
      assert.ok(run.requests > 0);
      assert.equal(run.non2xx, 0);
      assert.equal(run.errors, 0);
    });
  }
});
