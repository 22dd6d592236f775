import { freePort, waitUntil } from '@gantry/process';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { startS3rver, type S3Fixture } from './test-fixture';

const ROOT = join(__dirname, '../../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const MAIN = join(__dirname, 'main.ts');

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

// The CLI runs as CodeBuild runs it: a separate tsx process with only the environment to go on.
function runMain(env: Record<string, string>): Run {
  const child = spawn(TSX, [MAIN], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  if (!(await waitUntil(check, { timeoutMs, intervalMs: 50 }))) throw new Error('timed out waiting');
}

describe('the remote-cache CLI', () => {
  let s3: S3Fixture;

  beforeAll(async () => {
    s3 = await startS3rver();
  });
  afterAll(() => s3.close());

  it('prints export lines for Nx and serves until SIGTERM', async () => {
    const run = runMain({ ...s3.env, GANTRY_CACHE_TOKEN: 'cli-token-1' });
    try {
      await until(() => run.stdout().includes('ACCESS_TOKEN'), 15_000);
      const lines = run.stdout().trim().split('\n');
      const url = /^export NX_SELF_HOSTED_REMOTE_CACHE_SERVER=(http:\/\/127\.0\.0\.1:\d+)$/.exec(lines[0] ?? '')?.[1];

      expect(lines).toEqual([
        `export NX_SELF_HOSTED_REMOTE_CACHE_SERVER=${url}`,
        'export NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN=cli-token-1',
      ]);
      expect((await fetch(`${url}/v1/cache/abc`, { headers: { authorization: 'Bearer cli-token-1' } })).status).toBe(
        404,
      );
      expect(run.stderr()).toContain(
        '[remote-cache] serving s3://gantry-cache/nx-cache/ (read-only) at http://127.0.0.1:',
      );
    } finally {
      run.child.kill('SIGTERM');
    }
    expect(await run.exited).toBe(0);
  }, 20_000);

  it('warns in one line and exits 0 without serving when S3 is unreachable', async () => {
    const run = runMain({ ...s3.env, GANTRY_CACHE_ENDPOINT: `http://127.0.0.1:${await freePort()}` });

    expect(await run.exited).toBe(0);
    expect(run.stdout()).toBe('');
    expect(run.stderr()).toMatch(
      /^\[remote-cache\] WARNING: S3 bucket gantry-cache unreachable \([^\n]*ECONNREFUSED[^\n]*\); continuing without the remote cache\n$/,
    );
  }, 20_000);

  it('fails with one line naming a bad variable', async () => {
    const run = runMain({ GANTRY_CACHE_BUCKET: 'Bad_Bucket' });

    expect(await run.exited).toBe(1);
    expect(run.stderr()).toMatch(
      /^\[remote-cache\] ERROR: invalid configuration: GANTRY_CACHE_BUCKET must be an S3 bucket name .*\(got "Bad_Bucket"\)\n$/,
    );
  }, 20_000);
});
