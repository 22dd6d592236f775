// The local stand-in's blue/green deploy under load, on a real engine: production traffic through the gateway
// sees no error while a new version takes over, and none of a broken version. Bounded: a few seconds of load
// per deploy, on loopback. Run with `npm run test:resilience` after `npm run docker:engine -- start`.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildLocalBaseImage, defaultEngineLayout, dockerCli, engineAnswers } from '@gantry/docker';
import {
  LocalEnvironment,
  localLayout,
  readLocalState,
  stopLocalEnvironment,
  type LocalLayout,
} from '@gantry/pipeline';
import { freePort } from '@gantry/process';
import { sampleEntry } from '@gantry/service-catalog/testing';
import { underLoad } from './load';

const root = resolve(__dirname, '../../..');
const docker = dockerCli(defaultEngineLayout(process.env, root).host);
const hello = sampleEntry('hello', 1);
const work = mkdtempSync(join(tmpdir(), 'gantry-blue-green-'));
const log = (line: string) => console.log(`  [local] ${line}`);
let layout: LocalLayout;
let environment: LocalEnvironment;

// A stand-in service: ready at once, healthy unless built broken, draining on SIGTERM like the kit. Its
// answers take 50 ms, so requests are in flight whenever the old version is stopped.
const SERVER = `
const http = require('node:http');
const { VERSION, HEALTHY } = process.env;
const server = http.createServer((request, response) => {
  response.setHeader('content-type', 'application/json');
  if (request.url === '/hello/health') response.statusCode = HEALTHY === '1' ? 200 : 500;
  setTimeout(() => response.end(JSON.stringify({ name: 'hello', version: VERSION })), 50);
});
server.listen(Number(process.env.PORT), process.env.HOST);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

async function buildImage(
  version: string,
  healthy: boolean,
): Promise<{ reference: string; version: string; digest: string }> {
  const context = mkdtempSync(join(work, 'image-'));
  writeFileSync(join(context, 'server.js'), SERVER);
  writeFileSync(
    join(context, 'Dockerfile'),
    `FROM ${await buildLocalBaseImage(docker)}\nCOPY server.js /app/server.js\nENV VERSION=${version} HEALTHY=${healthy ? 1 : 0}\nUSER node\nCMD ["node", "/app/server.js"]\n`,
  );
  const reference = `gantry-blue-green/hello:${version}`;
  await docker(['build', '--quiet', '--tag', reference, context]);
  return { reference, version, digest: await docker(['image', 'inspect', '--format', '{{.Id}}', reference]) };
}

async function servedVersion(): Promise<string> {
  return ((await (await fetch(`${layout.url}/hello`)).json()) as { version: string }).version;
}

before(async () => {
  assert.ok(
    await engineAnswers(defaultEngineLayout(process.env, root).host),
    'no Docker engine: run `npm run docker:engine -- start` first',
  );
  layout = localLayout(work, { GANTRY_LOCAL_ALB_PORT: String(await freePort()) });
  // Checks give up after 5 s here, so the broken version fails fast; the default is 30 s.
  environment = await LocalEnvironment.open(root, layout, docker, log, { checkTimeoutMs: 5_000 });
});

after(async () => {
  await stopLocalEnvironment(root, layout, docker, log);
  rmSync(work, { recursive: true, force: true });
});

describe('a blue/green deploy in the local stand-in', () => {
  it('moves production traffic to the new version with no failed request under load', async () => {
    await environment.deploy(hello, await buildImage('1.0.0', true));
    const next = await buildImage('2.0.0', true);

    const run = await underLoad({ url: `${layout.url}/hello` }, () => environment.deploy(hello, next));

    assert.ok(!(run.result instanceof Error), String(run.result));
    console.log(
      `  ${run.requests} requests during the deploy: ${run.non2xx} non-2xx, ${run.errors} errors, versions ${[...run.versions].join(', ')}`,
    );
    assert.ok(run.requests > 0);
    assert.equal(run.non2xx, 0);
    assert.equal(run.errors, 0);
    assert.equal(await servedVersion(), '2.0.0');
  });

  it('keeps a broken new version away from production: its checks fail, no request reaches it, the old one answers', async () => {
    const broken = await buildImage('3.0.0', false);

    const run = await underLoad({ url: `${layout.url}/hello` }, () => environment.deploy(hello, broken));

    assert.ok(run.result instanceof Error);
    assert.match(
      run.result.message,
      /hello 3\.0\.0: the checks through the test route failed \(GET \/hello\/health answered 500\); 2\.0\.0 keeps serving/,
    );
    assert.deepEqual([...run.versions], ['2.0.0'], 'every production response came from the old version');
    assert.equal(run.non2xx, 0);
    assert.equal(readLocalState(layout.stateFile).services['hello'].next, undefined);
    assert.equal(
      await docker(['ps', '--all', '--quiet', '--filter', 'name=gantry-local-hello', '--filter', 'status=exited']),
      '',
    );
    assert.equal(await servedVersion(), '2.0.0');
  });
});
