import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { git, runCli } from '@gantry/process';
import { mergeShardedStates } from './merge-shards';
import { loadState, stateDir } from './state';
import type { BaseState } from './steps/base';
import type { VersionState } from './steps/version';

// The hand-off between the CodeBuild projects of the main pipeline (docs/pipeline.md, "Hand-off"). Each stage
// starts from its own clone of the source commit; what earlier stages made that the clone lacks travels in
// their output artifacts: the step states (dist/pipeline/*.json) and a git bundle of HEAD and every tag (the
// release commit and its tags, which are pushed only by the record stage). `npm run pipeline` runs every step
// in one checkout and needs none of this.

/** The bundle a stage leaves beside the step states. */
export const HANDOFF_BUNDLE = 'handoff.bundle';

const USAGE = 'usage: tsx tools/pipeline/src/handoff.ts pack | unpack <artifact directory>...';

/** Writes dist/pipeline/handoff.bundle with this checkout's HEAD and every tag; returns HEAD. */
export function packHandoff(root: string): string {
  mkdirSync(stateDir(root), { recursive: true });
  git(root, ['bundle', 'create', join(stateDir(root), HANDOFF_BUNDLE), 'HEAD', '--tags']);
  return git(root, ['rev-parse', 'HEAD']);
}

/**
 * Brings what earlier stages left in `inputs` (artifact directories, later ones winning) into this checkout:
 * their step states, and from the last bundle its tags and its HEAD, checked out. A batch's shard states
 * are merged into the step's own state (merge-shards.ts). Refuses a checkout that is
 * not the commit the run started from, and a bundle whose HEAD is not the commit the states name.
 */
export function unpackHandoff(
  root: string,
  inputs: readonly string[],
): { head: string; tags: number; merged: string[] } {
  if (inputs.length === 0) throw new Error(`no artifact directory given; ${USAGE}`);
  const dir = stateDir(root);
  mkdirSync(dir, { recursive: true });
  let bundle: string | undefined;
  for (const input of inputs) {
    const found = statesIn(input);
    if (found.length === 0)
      throw new Error(`${input} holds no dist/pipeline: is it the output artifact of an earlier stage?`);
    for (const from of found) {
      for (const file of readdirSync(from).filter((name) => name.endsWith('.json') || name === HANDOFF_BUNDLE)) {
        copyFileSync(join(from, file), join(dir, file));
        if (file === HANDOFF_BUNDLE) bundle = join(dir, file);
      }
    }
  }
  const merged = mergeShardedStates(root);

  const started = loadState<BaseState>(root, 'base', 'base (in the checks stage)').head;
  const checkout = git(root, ['rev-parse', 'HEAD']);
  if (checkout !== started) {
    throw new Error(
      `this checkout is at ${checkout}, but the run started from ${started}: every stage must build the source commit of its run`,
    );
  }
  if (!bundle) return { head: checkout, tags: 0, merged };

  const head = git(root, ['bundle', 'list-heads', bundle, 'HEAD']).split(/\s+/)[0];
  const expected = existsSync(join(dir, 'version.json')) ? loadState<VersionState>(root, 'version').head : started;
  if (head !== expected) {
    throw new Error(
      `${HANDOFF_BUNDLE} holds HEAD ${head}, but the step states name ${expected}: the artifacts do not match`,
    );
  }
  git(root, ['fetch', '--quiet', '--force', bundle, 'HEAD', '+refs/tags/*:refs/tags/*']);
  if (head !== checkout) git(root, ['checkout', '--quiet', '--detach', head]);
  const tags = git(root, ['bundle', 'list-heads', bundle])
    .split('\n')
    .filter((line) => line.includes(' refs/tags/')).length;
  return { head, tags, merged };
}

/**
 * The dist/pipeline folders of an artifact: its own, or, for the combined artifact of a CodeBuild batch,
 * the one each build left under its build identifier.
 */
function statesIn(input: string): string[] {
  const own = join(input, 'dist/pipeline');
  if (existsSync(own)) return [own];
  if (!existsSync(input)) return [];
  return readdirSync(input, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(input, entry.name, 'dist/pipeline')))
    .map((entry) => join(input, entry.name, 'dist/pipeline'))
    .sort();
}

if (require.main === module) {
  runCli('handoff', async ([command, ...inputs]) => {
    const root = resolve(__dirname, '../../..');
    const log = (line: string) => console.log(`[handoff] ${line}`);
    if (command === 'pack' && inputs.length === 0) {
      const head = packHandoff(root);
      log(`packed ${head.slice(0, 12)} and its tags into dist/pipeline/${HANDOFF_BUNDLE}`);
      return 0;
    }
    if (command === 'unpack') {
      const { head, tags, merged } = unpackHandoff(root, inputs);
      log(`unpacked the step states of ${inputs.join(', ')}; at ${head.slice(0, 12)} with ${tags} tag(s)`);
      if (merged.length > 0) log(`merged the shards of ${merged.join(' and ')}`);
      return 0;
    }
    console.error(USAGE);
    return 2;
  });
}
