// How the checks and the image builds split across the builds of a CodeBuild batch (build-list in
// buildspec.yml and tools/pipeline/buildspecs/images.yml). One pure function decides it, so every shard of a
// batch, the stage that merges them, and `npm run pipeline` all agree on who does what without talking.

/** Which build of the batch this is: `GANTRY_SHARD=<index>/<count>`, 1-based, as the build-list sets it. */
export interface ShardId {
  index: number;
  count: number;
}

/** How much one build host takes before the work spreads to another (docs/pipeline.md, "Sharding"). */
export interface ShardLimits {
  /** The builds the batch has (the build-list's length). */
  count: number;
  /** The most items one build is given while another build is still idle. */
  perShard: number;
}

/** The shard this build is, from GANTRY_SHARD; undefined when the build is not part of a batch. */
export function shardFromEnv(env: NodeJS.ProcessEnv): ShardId | undefined {
  const value = env['GANTRY_SHARD'];
  if (value === undefined || value === '') return undefined;
  const match = /^(\d+)\/(\d+)$/.exec(value.trim());
  const [index, count] = match ? [Number(match[1]), Number(match[2])] : [NaN, NaN];
  if (!match || index < 1 || count < 1 || index > count) {
    throw new Error(
      `GANTRY_SHARD must be <index>/<count> with 1 ≤ index ≤ count (e.g. 2/3), got ${JSON.stringify(value)}; the buildspec's build-list sets it`,
    );
  }
  return { index, count };
}

/**
 * The items of each build, `limits.count` slices in all: as few builds as hold `perShard` items each,
 * so a change smaller than one host's share runs on one build and the others finish at once. Items are
 * dealt in sorted order, round robin over the busy builds, so the slices differ in size by one at most.
 */
export function shardSlices(items: readonly string[], limits: ShardLimits): string[][] {
  if (!Number.isInteger(limits.count) || limits.count < 1)
    throw new Error(`a batch needs at least one build, got ${limits.count}`);
  if (!Number.isInteger(limits.perShard) || limits.perShard < 1)
    throw new Error(`each build must take at least one item, got ${limits.perShard}`);
  const sorted = [...new Set(items)].sort();
  const busy = Math.min(limits.count, Math.max(1, Math.ceil(sorted.length / limits.perShard)));
  const slices: string[][] = Array.from({ length: limits.count }, () => []);
  sorted.forEach((item, position) => slices[position % busy].push(item));
  return slices;
}

/** The shards that have work: the only ones a local run starts (a batch starts them all). */
export function busyShards(items: readonly string[], limits: ShardLimits): ShardId[] {
  return shardSlices(items, limits).flatMap((slice, position) =>
    slice.length > 0 ? [{ index: position + 1, count: limits.count }] : [],
  );
}

/** The slice of one shard of a batch of `shard.count` builds. */
export function shardSlice(items: readonly string[], perShard: number, shard: ShardId): string[] {
  return shardSlices(items, { count: shard.count, perShard })[shard.index - 1];
}

/** `shard-<index>-of-<count>`: the suffix of a shard's state file, so the merged artifact keeps every shard's. */
export function shardLabel(shard: ShardId): string {
  return `shard-${shard.index}-of-${shard.count}`;
}
