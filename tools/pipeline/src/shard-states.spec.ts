import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkShardsComplete, readShardStates, saveShardState, type ShardRecord } from './shard-states';
import { shardSlices } from './shards';
import { mergeChecksShards, type ChecksShardState } from './steps/checks';

const items = ['catalog', 'hello', 'kit', 'pricing'];
const limits = { count: 3, perShard: 2 };
const shardState = (index: number, overrides: Partial<ChecksShardState> = {}): ChecksShardState => ({
  shard: { index, count: limits.count },
  perShard: limits.perShard,
  items,
  slice: shardSlices(items, limits)[index - 1],
  ok: true,
  tasks: 4,
  ran: 3,
  localHits: 0,
  remoteHits: 1,
  failed: [],
  projects: items,
  ...overrides,
});

describe('shard states', () => {
  it('merges the checks of every shard that had work into one state', () => {
    expect(mergeChecksShards([shardState(1), shardState(2)])).toEqual({
      ok: true,
      tasks: 8,
      ran: 6,
      localHits: 0,
      remoteHits: 2,
      failed: [],
      projects: items,
    });
  });

  it('fails the merge when a shard with work left no state', () => {
    expect(() => checkShardsComplete('checks', [shardState(1)])).toThrow(
      'checks shard 2/3 left no state, but had hello, pricing to do: its build failed or its artifact is missing',
    );
  });

  it('fails the merge when shards disagree on what the batch shares out', () => {
    expect(() => checkShardsComplete('checks', [shardState(1), shardState(2, { items: ['hello'] })])).toThrow(
      /checks shard 2\/3 disagrees with shard 1\/3 on what the batch shares out/,
    );
  });

  it('carries a failed shard into a failed merge, with its failed tasks', () => {
    const merged = mergeChecksShards([
      shardState(1),
      shardState(2, { ok: false, failed: ['hello:test'], projects: [] }),
    ]);
    expect(merged).toMatchObject({ ok: false, failed: ['hello:test'], projects: [] });
  });

  it('reads back the states saved under dist/pipeline, by shard', () => {
    const root = mkdtempSync(join(tmpdir(), 'shard-states-'));
    const states: ShardRecord[] = [shardState(2), shardState(1)];
    for (const state of states) saveShardState(root, 'checks', state);
    expect(readShardStates(root, 'checks').map((state) => state.shard.index)).toEqual([1, 2]);
    expect(readShardStates(root, 'images')).toEqual([]);
  });
});
