import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Git, git, gitMaybe, headOrUnknown } from './git';

describe('git', () => {
  let repo: string;

  beforeEach(() => {
    repo = mkdtempSync(join(tmpdir(), 'process-git-'));
    git(repo, ['init', '-q', '-b', 'main']);
    git(repo, ['config', 'user.email', 'test@example.com']);
    git(repo, ['config', 'user.name', 'Test']);
  });
  afterEach(() => rmSync(repo, { recursive: true, force: true }));

  const commit = (file: string, date: string) => {
    writeFileSync(join(repo, file), file);
    git(repo, ['add', file]);
    git(repo, ['commit', '-qm', `add ${file}`], { ...process.env, GIT_COMMITTER_DATE: date, GIT_AUTHOR_DATE: date });
    return git(repo, ['rev-parse', 'HEAD']);
  };

  it('answers the same questions synchronously and asynchronously', async () => {
    const first = commit('a', '2026-01-02T03:04:05Z');
    const second = commit('b', '2026-01-03T03:04:05Z');
    const async = new Git(repo);

    expect(await async.head()).toBe(second);
    expect(headOrUnknown(repo)).toBe(second);
    expect(await async.commitTime(first)).toBe('2026-01-02T03:04:05+00:00');
    expect(await async.isAncestor(first, second)).toBe(true);
    expect(await async.isAncestor(second, first)).toBe(false);
    expect(await async.commitExists('0'.repeat(40))).toBe(false);
    expect(await async.isShallow()).toBe(false);
    expect(await async.hasRemote()).toBe(false);
  });

  it("fails with git's own words and where it ran, in both styles", async () => {
    commit('a', '2026-01-02T03:04:05Z');

    expect(() => git(repo, ['rev-parse', 'nope'])).toThrow(
      new RegExp(`^git rev-parse nope failed in ${repo}: .*unknown revision`, 's'),
    );
    await expect(new Git(repo).exec(['rev-parse', 'nope'])).rejects.toThrow(
      /^git rev-parse nope failed in .*unknown revision/s,
    );
    expect(gitMaybe(repo, ['rev-parse', 'nope'])).toBeNull();
  });

  it('says what to fix for a folder that is no repository, or one without commits', async () => {
    const plain = mkdtempSync(join(tmpdir(), 'process-plain-'));
    try {
      await expect(new Git(plain).assertUsable()).rejects.toThrow(
        `${plain} is not a git repository; the pipeline needs a full clone`,
      );
      await expect(new Git(repo).assertUsable()).rejects.toThrow(`the repository in ${repo} has no commits yet`);
      expect(headOrUnknown(plain)).toBe('unknown');
    } finally {
      rmSync(plain, { recursive: true, force: true });
    }
  });
});
