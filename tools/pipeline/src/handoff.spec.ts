import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git } from '@gantry/process';
import { HANDOFF_BUNDLE, packHandoff, unpackHandoff } from './handoff';
import { loadState, saveState, stateDir } from './state';

// Real git: each stage is its own clone of the source commit, as CodeBuild makes one per project, and an
// artifact is a folder holding only what a buildspec's `artifacts.files` lists (dist/pipeline/*.json and the bundle).
let dir: string;
const run = (cwd: string, ...args: string[]) => git(cwd, args);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gantry-handoff-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function origin(): { path: string; source: string } {
  const path = join(dir, 'origin');
  run(dir, 'init', '-q', '-b', 'main', path);
  run(path, 'config', 'user.email', 'dev@example.com');
  run(path, 'config', 'user.name', 'Dev');
  writeFileSync(join(path, 'a.txt'), 'a\n');
  // As in the workspace: the step states are never committed.
  writeFileSync(join(path, '.gitignore'), 'dist/\n');
  run(path, 'add', '-A');
  run(path, 'commit', '-qm', 'feat: a');
  run(path, 'tag', 'hello@0.1.0');
  writeFileSync(join(path, 'b.txt'), 'b\n');
  run(path, 'add', '-A');
  run(path, 'commit', '-qm', 'feat: b');
  return { path, source: run(path, 'rev-parse', 'HEAD') };
}

/** A stage's clone of `commit`, without tags: what it knows of the run comes from the artifacts. */
function stageClone(name: string, from: string, commit: string): string {
  const path = join(dir, name);
  run(dir, 'clone', '-q', '--no-tags', from, path);
  run(path, 'checkout', '-q', '--detach', commit);
  run(path, 'config', 'user.email', 'ci@example.com');
  run(path, 'config', 'user.name', 'CI');
  return path;
}

function artifact(name: string, root: string): string {
  const path = join(dir, 'artifacts', name);
  mkdirSync(join(path, 'dist/pipeline'), { recursive: true });
  for (const file of readdirSync(stateDir(root)).filter((f) => f.endsWith('.json') || f === HANDOFF_BUNDLE))
    cpSync(join(stateDir(root), file), join(path, 'dist/pipeline', file));
  return path;
}

const tagsOf = (root: string) => run(root, 'tag', '--list').split('\n').filter(Boolean);

describe('the hand-off between the stages of the main pipeline', () => {
  it('carries the tags, the release commit and the step states from checks to release to deploy', () => {
    // GIVEN the checks stage, which fetched origin's tags, leaves its states and a bundle
    const { path, source } = origin();
    const checks = stageClone('checks', path, source);
    run(checks, 'fetch', '-q', '--tags', 'origin');
    saveState(checks, 'base', { head: source });
    saveState(checks, 'checks', { ok: true, projects: ['hello'] });
    expect(packHandoff(checks)).toBe(source);
    const checksState = artifact('ChecksState', checks);

    // WHEN the release stage unpacks it into its own tagless clone, releases, and packs
    const release = stageClone('release', path, source);
    expect(tagsOf(release)).toEqual([]);
    expect(unpackHandoff(release, [checksState])).toEqual({ head: source, tags: 1, merged: [] });
    expect(tagsOf(release)).toEqual(['hello@0.1.0']);
    writeFileSync(join(release, 'CHANGELOG.md'), '# 0.2.0\n');
    run(release, 'add', '-A');
    run(release, 'commit', '-qm', 'chore(release): publish');
    run(release, 'tag', 'hello@0.2.0');
    const released = run(release, 'rev-parse', 'HEAD');
    saveState(release, 'version', { source, head: released, released: [], tags: ['hello@0.2.0'], lint: [] });
    packHandoff(release);
    const releaseState = artifact('ReleaseState', release);

    // THEN the deploy stage's clone is at the release commit, with its tags and every state so far
    const deploy = stageClone('deploy', path, source);
    expect(unpackHandoff(deploy, [releaseState])).toEqual({ head: released, tags: 2, merged: [] });
    expect(run(deploy, 'rev-parse', 'HEAD')).toBe(released);
    expect(tagsOf(deploy)).toEqual(['hello@0.1.0', 'hello@0.2.0']);
    expect(run(deploy, 'rev-parse', 'hello@0.2.0^{commit}')).toBe(released);
    expect(loadState(deploy, 'checks')).toEqual({ ok: true, projects: ['hello'] });
    expect(run(deploy, 'status', '--porcelain', '--untracked-files=no')).toBe('');
  });

  it("lets a later artifact's state win, and needs no bundle in it (record takes release's and deploy's)", () => {
    // GIVEN a release artifact with a bundle, and a deploy artifact with deploy.json only
    const { path, source } = origin();
    const release = stageClone('release', path, source);
    saveState(release, 'base', { head: source });
    saveState(release, 'version', { source, head: source, released: [], tags: [], lint: [] });
    saveState(release, 'deploy', { stale: true });
    packHandoff(release);
    const releaseState = artifact('ReleaseState', release);
    const deployState = join(dir, 'artifacts', 'DeployState');
    mkdirSync(join(deployState, 'dist/pipeline'), { recursive: true });
    writeFileSync(join(deployState, 'dist/pipeline/deploy.json'), JSON.stringify({ mode: 'cdk' }));

    // WHEN the record stage unpacks both
    const record = stageClone('record', path, source);
    unpackHandoff(record, [releaseState, deployState]);

    // THEN deploy.json is the deploy stage's
    expect(loadState(record, 'deploy')).toEqual({ mode: 'cdk' });
  });

  it("merges the shards of a batch's combined artifact, each build's files under its identifier", () => {
    // GIVEN two checks shards of one batch, each with its own clone, states and bundle
    const { path, source } = origin();
    const combined = join(dir, 'artifacts', 'ChecksState');
    const shard = (index: number, slice: string[]) => {
      const clone = stageClone(`shard${index}`, path, source);
      saveState(clone, 'base', { head: source });
      const state = { ok: true, tasks: slice.length, ran: slice.length, localHits: 0, remoteHits: 0, failed: [] };
      const record = { shard: { index, count: 2 }, perShard: 1, items: ['catalog', 'hello'], slice };
      saveState(clone, `checks-shard-${index}-of-2`, { ...state, ...record, projects: ['catalog', 'hello'] });
      packHandoff(clone);
      cpSync(artifact(`shard${index}`, clone), join(combined, `shard_${index}`), { recursive: true });
    };
    shard(1, ['catalog']);
    shard(2, ['hello']);

    // WHEN the release stage unpacks the combined artifact
    const release = stageClone('release', path, source);
    expect(unpackHandoff(release, [combined])).toEqual({ head: source, tags: 0, merged: ['checks'] });

    // THEN it reads one checks state, as after a single build
    expect(loadState(release, 'checks')).toEqual({
      ok: true,
      tasks: 2,
      ran: 2,
      localHits: 0,
      remoteHits: 0,
      failed: [],
      projects: ['catalog', 'hello'],
    });
  });

  it('refuses a checkout of another commit than the one the run started from', () => {
    // GIVEN states from a run of the second commit, and a clone of the first
    const { path, source } = origin();
    const checks = stageClone('checks', path, source);
    saveState(checks, 'base', { head: source });
    packHandoff(checks);
    const checksState = artifact('ChecksState', checks);
    const older = run(path, 'rev-parse', 'HEAD~1');
    const release = stageClone('release', path, older);

    // WHEN / THEN unpacking fails, naming both commits
    expect(() => unpackHandoff(release, [checksState])).toThrow(
      `this checkout is at ${older}, but the run started from ${source}: every stage must build the source commit of its run`,
    );
  });

  it('refuses a bundle whose HEAD is not the release commit version.json names', () => {
    // GIVEN a version state naming a commit the bundle does not hold as HEAD
    const { path, source } = origin();
    const release = stageClone('release', path, source);
    saveState(release, 'base', { head: source });
    saveState(release, 'version', { source, head: 'f'.repeat(40), released: [], tags: [], lint: [] });
    packHandoff(release);
    const releaseState = artifact('ReleaseState', release);
    const deploy = stageClone('deploy', path, source);

    // WHEN / THEN
    expect(() => unpackHandoff(deploy, [releaseState])).toThrow(
      `${HANDOFF_BUNDLE} holds HEAD ${source}, but the step states name ${'f'.repeat(40)}: the artifacts do not match`,
    );
  });

  it('says which input is not an artifact of an earlier stage', () => {
    const { path, source } = origin();
    const clone = stageClone('deploy', path, source);
    const empty = join(dir, 'empty');
    mkdirSync(empty);

    expect(() => unpackHandoff(clone, [empty])).toThrow(
      `${empty} holds no dist/pipeline: is it the output artifact of an earlier stage?`,
    );
    expect(() => unpackHandoff(clone, [])).toThrow(/^no artifact directory given; usage: /);
  });
});
