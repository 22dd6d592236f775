import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Git, git as runGit } from '@gantry/process';
import { describeBase, resolveBase } from './base-decision';
import { FileBaseStore } from './base-store';

// Real git repositories in temp folders: every case builds the history it needs.
function repo(): { dir: string; git: (...args: string[]) => string; commit: (file: string) => string } {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-base-'));
  const git = (...args: string[]) => runGit(dir, args);
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'ci@example.com');
  git('config', 'user.name', 'CI');
  const commit = (file: string) => {
    writeFileSync(join(dir, file), file);
    git('add', file);
    git('commit', '-qm', `add ${file}`);
    return git('rev-parse', 'HEAD');
  };
  return { dir, git, commit };
}

const quiet = () => undefined;

describe('resolveBase', () => {
  it('uses the recorded commit when it is an ancestor of HEAD', async () => {
    const { dir, commit } = repo();
    const deployed = commit('a');
    const head = commit('b');
    const store = new FileBaseStore(join(dir, '.base.json'));
    await store.write(deployed);

    expect(await resolveBase(new Git(dir), store, quiet)).toEqual({ head, base: deployed });
  });

  it('builds everything, saying so, when nothing is recorded', async () => {
    const { dir, commit } = repo();
    const head = commit('a');
    const store = new FileBaseStore(join(dir, 'none.json'));

    const decision = await resolveBase(new Git(dir), store, quiet);

    expect(decision).toEqual({ head, reason: `no deployed commit is recorded in file ${join(dir, 'none.json')}` });
    expect(describeBase(decision)[1]).toBe(
      `!! BUILDING EVERYTHING: no deployed commit is recorded in file ${join(dir, 'none.json')}`,
    );
  });

  it('builds everything when the recorded commit is not in the history', async () => {
    const { dir, commit } = repo();
    commit('a');
    const store = new FileBaseStore(join(dir, '.base.json'));
    await store.write('0123456789abcdef0123456789abcdef01234567');

    const decision = await resolveBase(new Git(dir), store, quiet);

    expect(decision.base).toBeUndefined();
    expect(decision.reason).toBe(
      "the recorded commit 0123456789abcdef0123456789abcdef01234567 is not in this repository's history (rewritten history, or a different repository)",
    );
  });

  it('builds everything when history was rewritten past the recorded commit', async () => {
    const { dir, git, commit } = repo();
    commit('a');
    const deployed = commit('b');
    git('reset', '-q', '--hard', 'HEAD~1');
    const head = commit('c');
    const store = new FileBaseStore(join(dir, '.base.json'));
    await store.write(deployed);

    expect((await resolveBase(new Git(dir), store, quiet)).reason).toBe(
      `the recorded commit ${deployed} is not an ancestor of HEAD ${head} (history was rewritten)`,
    );
  });

  it('rejects a recorded value that is not a commit sha', async () => {
    const { dir, commit } = repo();
    commit('a');
    const file = join(dir, '.base.json');
    writeFileSync(file, JSON.stringify({ commit: 'main' }));

    expect((await resolveBase(new Git(dir), new FileBaseStore(file), quiet)).reason).toBe(
      `file ${file} holds "main", which is not a full commit sha`,
    );
  });

  it('deepens a shallow clone before deciding', async () => {
    const origin = repo();
    const first = origin.commit('a');
    origin.commit('b');
    origin.commit('c');
    const clone = mkdtempSync(join(tmpdir(), 'gantry-shallow-'));
    runGit(clone, ['clone', '-q', '--depth', '1', `file://${origin.dir}`, '.']);
    const store = new FileBaseStore(join(clone, '.base.json'));
    await store.write(first);
    const lines: string[] = [];

    const decision = await resolveBase(new Git(clone), store, (line) => lines.push(line));

    expect(decision.base).toBe(first);
    expect(lines).toEqual(['shallow clone: fetching the full history and tags']);
    expect(await new Git(clone).isShallow()).toBe(false);
  });

  it('explains what to fix when the folder is not a repository or has no commits', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'gantry-nogit-'));
    const store = new FileBaseStore(join(empty, 'x.json'));

    await expect(resolveBase(new Git(empty), store, quiet)).rejects.toThrow(
      `${empty} is not a git repository; the pipeline needs a full clone`,
    );
    runGit(empty, ['init', '-q']);
    await expect(resolveBase(new Git(empty), store, quiet)).rejects.toThrow(
      'has no commits yet; commit something before running the pipeline',
    );
  });

  it('names a corrupt store file and how to recover', async () => {
    const { dir, commit } = repo();
    commit('a');
    const file = join(dir, '.base.json');
    writeFileSync(file, '{not json');

    await expect(resolveBase(new Git(dir), new FileBaseStore(file), quiet)).rejects.toThrow(
      `${file} is not valid JSON; delete it to build everything`,
    );
  });
});
