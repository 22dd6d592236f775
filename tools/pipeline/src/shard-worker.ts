import { resolve } from 'node:path';
import { runCli } from '@gantry/process';
import { loadCatalog } from '@gantry/service-catalog';
import { PIPELINE_STEPS } from './steps';

// One local shard: `tsx shard-worker.ts <clone> <step>`, started by local-shards.ts with GANTRY_SHARD set.
// It runs the step of the checkout that started it on the clone, so a run's shards all run the same code.
runCli('shard', async ([root, name]) => {
  const step = PIPELINE_STEPS.find((each) => each.name === name);
  if (!root || !step) {
    console.error(
      `usage: tsx tools/pipeline/src/shard-worker.ts <workspace> <${PIPELINE_STEPS.map((s) => s.name).join('|')}>`,
    );
    return 2;
  }
  const workspace = resolve(root);
  const log = (line: string) => console.log(`[${name}] ${line}`);
  await step.run({ root: workspace, env: process.env, log, catalog: loadCatalog(workspace) });
  return 0;
});
