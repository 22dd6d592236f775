import { busyShards, shardFromEnv, shardLabel, shardSlice, shardSlices } from './shards';

const services = (count: number) => Array.from({ length: count }, (_, i) => `svc-${String(i).padStart(2, '0')}`);

describe('sharding', () => {
  it('keeps a change no bigger than one build on the first build, and leaves the others idle', () => {
    expect(shardSlices(['pricing', 'hello', 'catalog'], { count: 3, perShard: 3 })).toEqual([
      ['catalog', 'hello', 'pricing'],
      [],
      [],
    ]);
  });

  it('spreads a bigger change over as few builds as hold it, differing by one item at most', () => {
    const slices = shardSlices(services(7), { count: 4, perShard: 3 });
    expect(slices.map((slice) => slice.length)).toEqual([3, 2, 2, 0]);
    expect(slices.flat().sort()).toEqual(services(7));
  });

  it('uses every build, however full, once the change outgrows the batch', () => {
    const slices = shardSlices(services(30), { count: 3, perShard: 2 });
    expect(slices.map((slice) => slice.length)).toEqual([10, 10, 10]);
    expect(new Set(slices.flat()).size).toBe(30);
  });

  it('gives the same slices whatever order the items come in', () => {
    const items = services(9);
    expect(shardSlices([...items].reverse(), { count: 3, perShard: 2 })).toEqual(
      shardSlices(items, { count: 3, perShard: 2 }),
    );
  });

  it('gives each shard of the batch its own slice, and names the shards that have work', () => {
    const limits = { count: 3, perShard: 2 };
    expect(shardSlice(services(4), 2, { index: 2, count: 3 })).toEqual(shardSlices(services(4), limits)[1]);
    expect(busyShards(services(4), limits)).toEqual([
      { index: 1, count: 3 },
      { index: 2, count: 3 },
    ]);
    expect(busyShards([], limits)).toEqual([]);
  });

  it('reads GANTRY_SHARD as the build-list sets it, and names a bad value', () => {
    expect(shardFromEnv({})).toBeUndefined();
    expect(shardFromEnv({ GANTRY_SHARD: '2/3' })).toEqual({ index: 2, count: 3 });
    for (const bad of ['0/3', '4/3', 'two', '1/0'])
      expect(() => shardFromEnv({ GANTRY_SHARD: bad })).toThrow(
        `GANTRY_SHARD must be <index>/<count> with 1 ≤ index ≤ count (e.g. 2/3), got "${bad}"`,
      );
    expect(shardLabel({ index: 2, count: 3 })).toBe('shard-2-of-3');
  });

  it('refuses a batch without builds or a build without room', () => {
    expect(() => shardSlices(['a'], { count: 0, perShard: 1 })).toThrow('a batch needs at least one build, got 0');
    expect(() => shardSlices(['a'], { count: 1, perShard: 0 })).toThrow(
      'each build must take at least one item, got 0',
    );
  });
});
