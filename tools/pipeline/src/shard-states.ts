import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { busyShards, shardLabel, shardSlices, type ShardId, type ShardLimits } from './shards';
import { saveState, stateDir } from './state';
import type { StepContext } from './step-context';

/** What every shard records beside its own result, so whoever merges can tell that no shard is missing. */
export interface ShardRecord {
  shard: ShardId;
  perShard: number;
  /** Everything the batch shares out, as each shard computed it (they must agree). */
  items: string[];
  /** This shard's part of `items`. */
  slice: string[];
}

const SHARD_FILE = /^(.+)-shard-(\d+)-of-(\d+)\.json$/;

/** Saves a shard's state as dist/pipeline/<step>-shard-<i>-of-<n>.json: merged artifacts keep each shard's. */
export function saveShardState(root: string, step: string, state: ShardRecord): void {
  saveState(root, `${step}-${shardLabel(state.shard)}`, state);
}

/** The shard states of `step` in dist/pipeline, by shard index. */
export function readShardStates<T extends ShardRecord>(root: string, step: string): T[] {
  const dir = stateDir(root);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => SHARD_FILE.exec(file)?.[1] === step)
    .map((file) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as T)
    .sort((a, b) => a.shard.index - b.shard.index);
}

/**
 * Throws unless the shard states cover the whole batch: one batch size, one list of items, and a state from
 * every shard the partition gave work to, each with the slice the partition gives it.
 */
export function checkShardsComplete(step: string, states: readonly ShardRecord[]): void {
  if (states.length === 0) throw new Error(`no ${step} shard states found`);
  const [first] = states;
  const same = (state: ShardRecord) =>
    state.shard.count === first.shard.count &&
    state.perShard === first.perShard &&
    JSON.stringify(state.items) === JSON.stringify(first.items);
  const odd = states.find((state) => !same(state));
  if (odd)
    throw new Error(
      `${step} shard ${odd.shard.index}/${odd.shard.count} disagrees with shard ${first.shard.index}/${first.shard.count} on what the batch shares out: did they build different commits or settings?`,
    );
  const planned = shardSlices(first.items, { count: first.shard.count, perShard: first.perShard });
  planned.forEach((slice, position) => {
    const state = states.find((each) => each.shard.index === position + 1);
    if (slice.length > 0 && !state)
      throw new Error(
        `${step} shard ${position + 1}/${first.shard.count} left no state, but had ${slice.join(', ')} to do: its build failed or its artifact is missing`,
      );
    if (state && JSON.stringify(state.slice) !== JSON.stringify(slice))
      throw new Error(
        `${step} shard ${position + 1}/${first.shard.count} did ${state.slice.join(', ')}, not its share`,
      );
  });
}

/**
 * Runs a step's busy shards through `context.runShards` when more than one has work, and returns their
 * states; undefined when one build takes it all, or nothing here runs shards, so the step does the work.
 */
export async function runBusyShards<T extends ShardRecord>(
  context: StepContext,
  work: { step: string; items: readonly string[]; limits: ShardLimits; what: string; setting: string },
): Promise<T[] | undefined> {
  const busy = busyShards(work.items, work.limits);
  if (busy.length <= 1 || !context.runShards) return undefined;
  context.log(
    `${work.items.length} ${work.what}, more than ${work.limits.perShard} (${work.setting}) for one build: ${busy.length} shards in parallel`,
  );
  await context.runShards(work.step, busy, context.log);
  return readShardStates<T>(context.root, work.step);
}
