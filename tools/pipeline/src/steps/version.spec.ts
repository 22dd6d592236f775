import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git } from '@gantry/process';
import { releaseTarget } from '../release-target';
import { saveState } from '../state';
import { imagesStep } from './images';
import { recordStep } from './record';
import { versionStep } from './version';

// Real git: origin is a bare repository whose main has moved past the commit this run builds.
let dir: string;
const run = (cwd: string, ...args: string[]) => git(cwd, args);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gantry-version-step-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function checkoutBehindOrigin(): { root: string; origin: string; head: string; tip: string } {
  const origin = join(dir, 'origin.git');
  run(dir, 'init', '-q', '--bare', '-b', 'main', origin);
  const root = join(dir, 'build');
  run(dir, 'clone', '-q', origin, root);
  for (const [key, value] of [
    ['user.email', 'dev@example.com'],
    ['user.name', 'Dev'],
  ])
    run(root, 'config', key, value);
  writeFileSync(join(root, 'a.txt'), 'a\n');
  run(root, 'add', '-A');
  run(root, 'commit', '-qm', 'feat: a');
  const head = run(root, 'rev-parse', 'HEAD');
  writeFileSync(join(root, 'b.txt'), 'b\n');
  run(root, 'add', '-A');
  run(root, 'commit', '-qm', 'feat: b');
  const tip = run(root, 'rev-parse', 'HEAD');
  run(root, 'push', '-q', 'origin', 'HEAD:main');
  run(root, 'checkout', '-q', '--detach', head);
  return { root, origin, head, tip };
}

describe('versionStep', () => {
  it('stops the run as superseded when main is already past the commit being built, and the later steps do nothing', async () => {
    const { root, origin, head, tip } = checkoutBehindOrigin();
    saveState(root, 'base', { head, base: head });
    const env = { GANTRY_RELEASE_REMOTE: origin };
    const lines: string[] = [];
    const log = (line: string) => lines.push(line);

    const context = { root, env, log, catalog: [] };

    const state = await versionStep(context);
    expect(state).toEqual({ source: head, head, released: [], tags: [], lint: [], supersededBy: tip });
    expect(lines).toEqual([
      `main on ${origin} is already at ${tip.slice(0, 7)}, newer than ${head.slice(0, 7)}: its run releases this change too; this run stops here`,
    ]);

    expect(await imagesStep(context)).toEqual([]);
    expect(await recordStep(context)).toBeNull();
    expect(run(origin, 'rev-parse', 'main')).toBe(tip);
    expect(lines.slice(1)).toEqual([
      `superseded by ${tip.slice(0, 7)}: nothing to build`,
      `superseded by ${tip.slice(0, 7)}: nothing to record`,
    ]);
  });
});

describe('releaseTarget', () => {
  it('pushes to origin/main by default and takes the token only when set', async () => {
    expect(await releaseTarget({})).toEqual({ remote: 'origin', branch: 'main', token: undefined });
    expect(
      await releaseTarget({
        GANTRY_RELEASE_REMOTE: '/tmp/o.git',
        GANTRY_RELEASE_BRANCH: 'trunk',
        GANTRY_GIT_TOKEN: 't',
      }),
    ).toEqual({ remote: '/tmp/o.git', branch: 'trunk', token: 't' });
  });

  it('reads the token from its secret for the record step only, and says when the secret is empty', async () => {
    const env = { GANTRY_GIT_TOKEN_SECRET: 'gantry/dev/github-release-token' };
    const secrets: Record<string, string> = { 'gantry/dev/github-release-token': 'from-secrets-manager' };
    const readSecret = async (name: string) => secrets[name];

    expect((await releaseTarget(env, { readSecret })).token).toBeUndefined();
    expect((await releaseTarget(env, { withToken: true, readSecret })).token).toBe('from-secrets-manager');
    await expect(releaseTarget(env, { withToken: true, readSecret: async () => undefined })).rejects.toThrow(
      'the Secrets Manager secret gantry/dev/github-release-token (GANTRY_GIT_TOKEN_SECRET) holds no token',
    );
  });
});
