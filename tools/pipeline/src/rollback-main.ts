import { resolve } from 'node:path';
import { runCli } from '@gantry/process';
import { loadCatalog } from '@gantry/service-catalog';
import { ensureStandins } from './local-standins';
import { rollback } from './rollback';

const USAGE =
  'usage: npm run rollback -- <service> [<version>]   (GANTRY_DEPLOY=cdk rolls back on AWS; otherwise the local stand-in)';

// Thin CLI over rollback(): locally it first makes sure the engine, registry and local environment run.
runCli('rollback', async ([service, version, ...extra]) => {
  if (!service || service.startsWith('-') || extra.length > 0) {
    console.error(USAGE);
    return 2;
  }
  const root = resolve(__dirname, '../../..');
  const log = (line: string) => console.log(`[rollback] ${line}`);
  const env =
    process.env['GANTRY_DEPLOY'] === 'cdk'
      ? process.env
      : { ...process.env, ...(await ensureStandins(root, process.env, log)) };
  await rollback({ root, env, log, catalog: loadCatalog(root) }, service, version);
  return 0;
});
