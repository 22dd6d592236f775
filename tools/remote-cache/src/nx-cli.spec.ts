import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildCacheServer } from './server';
import type { CacheMode } from './config';
import { startS3rver, type S3Fixture } from './test-fixture';

const ROOT = join(__dirname, '../../..');
const NX = join(ROOT, 'node_modules/nx/dist/bin/nx.js');
const TOKEN = 'nx-cli-token-1';

interface NxRun {
  code: number;
  output: string;
}

// The make target writes a fresh timestamp, so a restored file is told apart from a rebuilt one.
async function createWorkspace(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'remote-cache-nx-'));
  await mkdir(join(dir, 'proj'));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'cache-probe', private: true }));
  await writeFile(
    join(dir, 'nx.json'),
    JSON.stringify({ analytics: false, targetDefaults: { make: { cache: true, outputs: ['{projectRoot}/out'] } } }),
  );
  await writeFile(
    join(dir, 'proj/project.json'),
    JSON.stringify({
      name: 'proj',
      targets: { make: { executor: 'nx:run-commands', options: { command: 'node proj/make.js' } } },
    }),
  );
  await writeFile(
    join(dir, 'proj/make.js'),
    "const fs = require('fs');\nfs.mkdirSync('proj/out', { recursive: true });\nfs.writeFileSync('proj/out/result.txt', 'built at ' + process.hrtime.bigint());\nconsole.log('made proj');\n",
  );
  await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

// Outer NX_* variables (set when jest runs under nx) would leak into the inner workspace, so they are dropped.
function nxEnv(serverUrl: string): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('NX_')));
  return {
    ...env,
    NX_DAEMON: 'false',
    NX_NO_CLOUD: 'true',
    NX_TUI: 'false',
    // Plain text, so the output can be matched even when the outer run forces colour.
    FORCE_COLOR: '0',
    NX_SELF_HOSTED_REMOTE_CACHE_SERVER: serverUrl,
    NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: TOKEN,
  };
}

function runNx(dir: string, serverUrl: string): Promise<NxRun> {
  return new Promise((resolve) => {
    execFile(
      'node',
      [NX, 'run', 'proj:make', '--output-style=static'],
      { cwd: dir, env: nxEnv(serverUrl) },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr });
      },
    );
  });
}

// Without the local cache (and its database) the only place a hit can come from is the remote cache.
async function dropLocalCache(dir: string): Promise<void> {
  await rm(join(dir, '.nx'), { recursive: true, force: true });
  await rm(join(dir, 'proj/out'), { recursive: true, force: true });
}

describe('the real Nx CLI against the adapter', () => {
  let s3: S3Fixture;
  let workspace: string;
  const apps: FastifyInstance[] = [];
  const requests: string[] = [];

  async function adapter(
    mode: CacheMode,
    prefix: string,
    options: { maxBytes?: number; missEveryGet?: boolean } = {},
  ): Promise<string> {
    const app = buildCacheServer({
      s3: s3.s3,
      bucket: s3.bucket,
      prefix,
      mode,
      token: TOKEN,
      maxBytes: options.maxBytes,
      warn: () => undefined,
    });
    // Plays a writer that lost a race: its GET missed, and the entry is there by the time it PUTs.
    if (options.missEveryGet)
      app.addHook('onRequest', async (request, reply) => {
        if (request.method === 'GET') return reply.code(404).send({ message: 'miss' });
      });
    app.addHook('onResponse', async (request, reply) => {
      requests.push(`${mode} ${request.method} ${reply.statusCode}`);
    });
    apps.push(app);
    return app.listen({ host: '127.0.0.1', port: 0 });
  }

  beforeAll(async () => {
    [s3, workspace] = await Promise.all([startS3rver(), createWorkspace()]);
  });
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await Promise.all([s3.close(), rm(workspace, { recursive: true, force: true })]);
  });

  it('stores a task in S3, then restores it from the remote cache after the local cache is gone', async () => {
    const url = await adapter('read-write', 'trusted/');

    const first = await runNx(workspace, url);
    const built = await readFile(join(workspace, 'proj/out/result.txt'), 'utf8');

    expect(first.code).toBe(0);
    expect(first.output).toContain('made proj');
    expect(requests).toEqual(['read-write GET 404', 'read-write PUT 200']);
    expect(await s3.listKeys('trusted/')).toEqual([expect.stringMatching(/^trusted\/[A-Za-z0-9_-]+$/)]);

    await dropLocalCache(workspace);
    const second = await runNx(workspace, url);

    expect(second.code).toBe(0);
    expect(second.output).toMatch(/> nx run proj:make {2}\[remote cache\]/);
    expect(second.output).toContain(
      'Nx read the output from the cache instead of running the command for 1 out of 1 tasks.',
    );
    expect(second.output).toContain('made proj');
    expect(await readFile(join(workspace, 'proj/out/result.txt'), 'utf8')).toBe(built);
    expect(requests.slice(2)).toEqual(['read-write GET 200']);
  }, 30_000);

  it('leaves the bucket untouched through a read-only adapter, and the build still passes', async () => {
    requests.length = 0;
    const url = await adapter('read-only', 'untrusted/');
    await dropLocalCache(workspace);

    const run = await runNx(workspace, url);

    expect(run.code).toBe(0);
    expect(run.output).toContain('made proj');
    expect(requests).toEqual(['read-only GET 404', 'read-only PUT 403']);
    expect(await s3.listKeys('untrusted/')).toEqual([]);
  }, 30_000);

  it('carries on when another writer stored the entry first: the PUT gets 409, as for an S3 412', async () => {
    requests.length = 0;
    await dropLocalCache(workspace);
    await runNx(workspace, await adapter('read-write', 'stored-first/'));
    await dropLocalCache(workspace);
    requests.length = 0;

    const run = await runNx(workspace, await adapter('read-write', 'stored-first/', { missEveryGet: true }));

    expect(run.code).toBe(0);
    expect(run.output).toContain('made proj');
    expect(requests).toEqual(['read-write GET 404', 'read-write PUT 409']);
    expect(await s3.listKeys('stored-first/')).toHaveLength(1);
  }, 30_000);

  it('carries on when the entry is over the size cap: the PUT gets 403 and nothing is stored', async () => {
    requests.length = 0;
    const url = await adapter('read-write', 'capped/', { maxBytes: 16 });
    await dropLocalCache(workspace);

    const run = await runNx(workspace, url);

    // A 413 here would fail the run: Nx 23 reports "Misconfigured remote cache endpoint" and retries it 5 times.
    expect(run.code).toBe(0);
    expect(run.output).toContain('made proj');
    expect(requests).toEqual(['read-write GET 404', 'read-write PUT 403']);
    expect(await s3.listKeys('capped/')).toEqual([]);
  }, 30_000);
});
