import { resolve } from 'node:path';
import { FileBaseStore, SsmBaseStore, type BaseStore } from './base-store';

/** SSM in AWS (GANTRY_BASE_PARAMETER), else a file (GANTRY_BASE_FILE, default .gantry/pipeline/last-deployed.json). */
export function baseStoreFromEnv(root: string, env: NodeJS.ProcessEnv): BaseStore {
  const parameter = env['GANTRY_BASE_PARAMETER'];
  if (parameter) {
    if (!/^\/[A-Za-z0-9_.\-/]+$/.test(parameter)) {
      throw new Error(`GANTRY_BASE_PARAMETER must be an SSM parameter path like /gantry/last-deployed-commit (got ${JSON.stringify(parameter)})`);
    }
    return new SsmBaseStore(parameter);
  }
  return new FileBaseStore(resolve(root, env['GANTRY_BASE_FILE'] ?? '.gantry/pipeline/last-deployed.json'));
}
