import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadCatalog } from '@gantry/service-catalog';
import { readShardStates } from './shard-states';
import { stateDir, saveState } from './state';
import { mergeChecksShards, type ChecksShardState } from './steps/checks';
import { mergeImagesShards, type ImagesShardState } from './steps/images';

/**
 * Writes checks.json and images.json from the shard states a batch left, where the merged state is not
 * there yet, so the stages after a batch read one state as after a single build. Returns the steps merged.
 * Throws (naming the shard) when a shard's state is missing or its checks failed.
 */
export function mergeShardedStates(root: string): string[] {
  const merged: string[] = [];
  const absent = (step: string) => !existsSync(join(stateDir(root), `${step}.json`));
  const checks = readShardStates<ChecksShardState>(root, 'checks');
  if (checks.length > 0 && absent('checks')) {
    const state = mergeChecksShards(checks);
    if (!state.ok) throw new Error(`sharded checks failed (${state.failed.join(', ')}): nothing goes further`);
    saveState(root, 'checks', state);
    merged.push('checks');
  }
  const images = readShardStates<ImagesShardState>(root, 'images');
  if (images.length > 0 && absent('images')) {
    saveState(root, 'images', mergeImagesShards(loadCatalog(root), images));
    merged.push('images');
  }
  return merged;
}
