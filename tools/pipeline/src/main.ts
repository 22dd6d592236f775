import { resolve } from 'node:path';
import { runCli } from '@gantry/process';
import { loadCatalog } from '@gantry/service-catalog';
import { PIPELINE_STEPS } from './steps';

const USAGE = `usage: tsx tools/pipeline/src/main.ts <${PIPELINE_STEPS.map((step) => step.name).join('|')}> [<workspace>]`;

// Thin CLI: one buildspec command per step; the logic lives in steps/, so tests and `npm run pipeline` call the same code.
// The workspace is this checkout unless named: a local shard (local-shards.ts) runs this checkout's step on its clone.
runCli(process.argv[2] ?? 'pipeline', async ([name, workspace]) => {
  const step = PIPELINE_STEPS.find((each) => each.name === name);
  if (!step) {
    console.error(name ? `unknown step "${name}". ${USAGE}` : USAGE);
    return 2;
  }
  const root = resolve(workspace ?? resolve(__dirname, '../../..'));
  const log = (line: string) => console.log(`[${name}] ${line}`);
  await step.run({ root, env: process.env, log, catalog: loadCatalog(root) });
  return 0;
});
