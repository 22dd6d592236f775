import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git } from '@gantry/process';
import { pushRelease, remoteBranchHead } from './push';

// Real git: a bare repository stands in for origin, and two clones of it for the pipeline's checkout and
// for a developer who pushes while the pipeline runs.
let dir: string;
let origin: string;

const run = (cwd: string, ...args: string[]) => git(cwd, args);

function clone(name: string): string {
  const path = join(dir, name);
  run(dir, 'clone', '-q', origin, path);
  run(path, 'config', 'user.email', `${name}@example.com`);
  run(path, 'config', 'user.name', name);
  return path;
}

function commit(repo: string, file: string, content: string, message: string): string {
  writeFileSync(join(repo, file), content);
  run(repo, 'add', '-A');
  run(repo, 'commit', '-qm', message);
  return run(repo, 'rev-parse', 'HEAD');
}

const remoteTags = () => run(origin, 'tag', '--list').split('\n').filter(Boolean).sort();

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gantry-push-'));
  origin = join(dir, 'origin.git');
  run(dir, 'init', '-q', '--bare', '-b', 'main', origin);
  const seed = clone('seed');
  commit(seed, 'package.json', '{ "version": "0.1.0" }\n', 'feat: first');
  run(seed, 'push', '-q', 'origin', 'HEAD:main');
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The pipeline's checkout after the version step: a release commit with its tag, not pushed yet. */
function pipelineWithRelease(): { repo: string; release: string } {
  const repo = clone('pipeline');
  const release = commit(repo, 'package.json', '{ "version": "0.2.0" }\n', 'chore(release): publish');
  run(repo, 'tag', '-a', 'hello@0.2.0', '-m', 'hello@0.2.0');
  return { repo, release };
}

describe('pushRelease', () => {
  it('pushes the release commit and its tags to the branch together', () => {
    const { repo, release } = pipelineWithRelease();
    const result = pushRelease({ root: repo, remote: origin, branch: 'main', commit: release, tags: ['hello@0.2.0'] });
    expect(result).toEqual({ branchHead: release, merged: false });
    expect(remoteBranchHead(repo, origin, 'main')).toBe(release);
    expect(run(origin, 'rev-parse', 'hello@0.2.0^{commit}')).toBe(release);
  });

  it('merges into the branch when someone pushed during the run, and the tag stays on the release commit', () => {
    const { repo, release } = pipelineWithRelease();
    const developer = clone('developer');
    const theirs = commit(developer, 'README.md', 'docs\n', 'docs: readme');
    run(developer, 'push', '-q', 'origin', 'HEAD:main');

    const result = pushRelease({ root: repo, remote: origin, branch: 'main', commit: release, tags: ['hello@0.2.0'] });
    expect(result.merged).toBe(true);
    const tip = remoteBranchHead(repo, origin, 'main') as string;
    expect(tip).toBe(result.branchHead);
    expect(run(origin, 'log', '-1', '--format=%P%n%s', tip)).toBe(
      `${theirs} ${release}\nMerge release hello@0.2.0 into main`,
    );
    expect(run(origin, 'rev-parse', 'hello@0.2.0^{commit}')).toBe(release);
  });

  it('pushes nothing when the release conflicts with what landed meanwhile, and says how to recover', () => {
    const { repo, release } = pipelineWithRelease();
    const developer = clone('developer');
    const theirs = commit(developer, 'package.json', '{ "version": "9.9.9" }\n', 'fix: hand-edited version');
    run(developer, 'push', '-q', 'origin', 'HEAD:main');

    expect(() =>
      pushRelease({ root: repo, remote: origin, branch: 'main', commit: release, tags: ['hello@0.2.0'] }),
    ).toThrow(/conflicts with main at [0-9a-f]{7}; nothing was pushed\. Rerun the pipeline on the new tip of main/);
    expect(remoteBranchHead(repo, origin, 'main')).toBe(theirs);
    expect(remoteTags()).toEqual([]);
    expect(run(repo, 'rev-parse', 'HEAD')).toBe(release);
    expect(run(repo, 'status', '--porcelain')).toBe('');
  });

  it('is atomic: a tag that already exists at another commit fails the push, and the branch does not move', () => {
    const { repo, release } = pipelineWithRelease();
    const other = clone('other');
    run(other, 'tag', 'hello@0.2.0');
    run(other, 'push', '-q', 'origin', 'hello@0.2.0');
    const before = remoteBranchHead(repo, origin, 'main');

    expect(() =>
      pushRelease({ root: repo, remote: origin, branch: 'main', commit: release, tags: ['hello@0.2.0'] }),
    ).toThrow(/git push to .* was rejected/);
    expect(remoteBranchHead(repo, origin, 'main')).toBe(before);
  });

  it('pushes again as a no-op: a rerun after a successful push changes nothing', () => {
    const { repo, release } = pipelineWithRelease();
    pushRelease({ root: repo, remote: origin, branch: 'main', commit: release, tags: ['hello@0.2.0'] });
    expect(pushRelease({ root: repo, remote: origin, branch: 'main', commit: release, tags: ['hello@0.2.0'] })).toEqual(
      { branchHead: release, merged: false },
    );
    expect(remoteTags()).toEqual(['hello@0.2.0']);
  });

  it('pushes only the tags when the branch already contains the commit, and makes no merge commit', () => {
    const { repo, release } = pipelineWithRelease();
    run(repo, 'push', '-q', 'origin', 'HEAD:main');
    const developer = clone('developer');
    const theirs = commit(developer, 'README.md', 'docs\n', 'docs: readme');
    run(developer, 'push', '-q', 'origin', 'HEAD:main');

    expect(pushRelease({ root: repo, remote: origin, branch: 'main', commit: release, tags: ['hello@0.2.0'] })).toEqual(
      { branchHead: theirs, merged: false },
    );
    expect(remoteBranchHead(repo, origin, 'main')).toBe(theirs);
    expect(remoteTags()).toEqual(['hello@0.2.0']);
  });
});

describe('pushRelease with a token', () => {
  it("pushes with the token in git's environment, and never shows the token in an error", () => {
    const { repo, release } = pipelineWithRelease();
    expect(
      pushRelease({
        root: repo,
        remote: origin,
        branch: 'main',
        commit: release,
        tags: ['hello@0.2.0'],
        token: 's3cret-token',
      }).branchHead,
    ).toBe(release);

    const missing = join(dir, 'nowhere.git');
    let message = '';
    try {
      pushRelease({ root: repo, remote: missing, branch: 'main', commit: release, tags: [], token: 's3cret-token' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/nowhere\.git/);
    expect(message).not.toContain('s3cret-token');
    expect(message).not.toContain(Buffer.from('x-access-token:s3cret-token').toString('base64'));
  });
});

describe('remoteBranchHead', () => {
  it('is null for a branch the remote does not have yet', () => {
    expect(remoteBranchHead(dir, origin, 'release-test')).toBeNull();
  });
});
