import { mkdtempSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startS3rver, type S3Fixture } from '@gantry/remote-cache/testing';
import { cacheStep } from './cache';

// A throwaway root that runs the real adapter code from this workspace, against a real s3rver.
const workspace = resolve(__dirname, '../../../..');

function scratchRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'gantry-cache-step-'));
  mkdirSync(join(root, 'tools'), { recursive: true });
  symlinkSync(join(workspace, 'tools/remote-cache'), join(root, 'tools/remote-cache'));
  symlinkSync(join(workspace, 'node_modules'), join(root, 'node_modules'));
  return root;
}

describe('the cache step', () => {
  jest.setTimeout(60_000);
  let s3: S3Fixture;

  beforeAll(async () => {
    s3 = await startS3rver();
  });
  afterAll(() => s3.close());

  const env = (overrides: Record<string, string>) => ({
    PATH: process.env['PATH'],
    AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING: '1',
    ...s3.env,
    ...overrides,
  });

  it('starts the adapter in the background and writes the exports for the shell', async () => {
    const root = scratchRoot();
    const lines: string[] = [];

    const result = await cacheStep({ root, env: env({}), log: (line) => lines.push(line), catalog: [] });

    try {
      expect(result.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(readFileSync(result.envFile, 'utf8')).toContain(`export NX_SELF_HOSTED_REMOTE_CACHE_SERVER=${result.url}`);
      expect((await fetch(`${result.url}/v1/cache/abc123`)).status).toBe(404);
    } finally {
      process.kill(result.pid as number, 'SIGTERM');
    }
  });

  it('warns and leaves the cache off when S3 is unreachable, without failing', async () => {
    const root = scratchRoot();
    const lines: string[] = [];

    const result = await cacheStep({
      root,
      env: env({ GANTRY_CACHE_ENDPOINT: 'http://127.0.0.1:9' }),
      log: (line) => lines.push(line),
      catalog: [],
    });

    expect(result.url).toBeUndefined();
    expect(readFileSync(result.envFile, 'utf8')).toBe('');
    expect(lines.join('\n')).toMatch(
      /WARNING: S3 bucket gantry-cache unreachable .*continuing without the remote cache/,
    );
  });

  it("fails with the adapter's message when the cache is misconfigured", async () => {
    const root = scratchRoot();

    await expect(
      cacheStep({ root, env: env({ GANTRY_CACHE_MODE: 'sometimes' }), log: () => undefined, catalog: [] }),
    ).rejects.toThrow(/the remote cache adapter failed \(exit code 1\): .*GANTRY_CACHE_MODE/);
  });
});
