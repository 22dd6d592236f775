import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { linkedClone, runLines } from '@gantry/process';
import { stateHome } from './settings';
import { shardLabel, type ShardId } from './shards';
import { stateDir } from './state';
import type { StepContext } from './step-context';

const isShardFile = (step: string, file: string) => file.startsWith(`${step}-shard-`) && file.endsWith('.json');

/**
 * The shards of a step as parallel workers on this machine, the way a CodeBuild batch runs them: each in its
 * own clone of this checkout's HEAD, with the step states so far, its own empty Nx local cache (shards share
 * only the remote cache), and GANTRY_SHARD set. Each worker runs this checkout's step on its clone
 * (`main.ts <step> <clone>`); its shard state comes back into this checkout's dist/pipeline.
 */
export function localShardRunner(root: string, env: NodeJS.ProcessEnv): NonNullable<StepContext['runShards']> {
  return async (step, shards, log) => {
    const states = stateDir(root);
    for (const file of existsSync(states) ? readdirSync(states) : [])
      if (isShardFile(step, file)) rmSync(join(states, file));
    const home = mkdtempSync(join(tmpdir(), `gantry-${step}-shards-`));
    try {
      const outcomes = await Promise.allSettled(shards.map((shard) => runShard(root, env, step, shard, home, log)));
      const failures = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as Error] : []));
      if (failures.length > 0) throw new Error(failures.map((error) => error.message).join('\n'));
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  };
}

async function runShard(
  root: string,
  env: NodeJS.ProcessEnv,
  step: string,
  shard: ShardId,
  home: string,
  log: (line: string) => void,
): Promise<void> {
  const name = `${shard.index}/${shard.count}`;
  const clone = linkedClone(root, join(home, shardLabel(shard)));
  // The states so far, as a batch's builds get them from the earlier stages' artifacts.
  mkdirSync(stateDir(clone), { recursive: true });
  for (const file of readdirSync(stateDir(root)).filter((each) => each.endsWith('.json') && !each.includes('-shard-')))
    copyFileSync(join(stateDir(root), file), join(stateDir(clone), file));
  log(`shard ${name}: started in ${clone}`);
  const run = await runLines(
    process.execPath,
    ['--import', 'tsx', join(__dirname, 'main.ts'), step, clone],
    {
      cwd: clone,
      env: {
        ...env,
        GANTRY_SHARD: name,
        // The shards share this machine's cores, where a batch's builds each have a host of their own.
        NX_PARALLEL: '1',
        GANTRY_STATE_HOME: stateHome(root, env),
        NX_CACHE_DIRECTORY: join(clone, '.nx/cache'),
      },
    },
    (line) => log(`[shard ${name}] ${line}`),
  );
  if (run.code !== 0)
    throw new Error(`${step} shard ${name} failed (exit ${run.code}):\n${run.lines.slice(-15).join('\n')}`);
  for (const file of readdirSync(stateDir(clone)).filter((each) => isShardFile(step, each)))
    copyFileSync(join(stateDir(clone), file), join(stateDir(root), file));
}
