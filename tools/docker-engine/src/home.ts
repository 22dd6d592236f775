import { resolve } from 'node:path';
import { engineLayout, type EngineLayout } from './engine';

/** The engine's home: GANTRY_DOCKER_HOME, else .gantry/docker in the workspace (git-ignored). */
export function defaultLayout(env: NodeJS.ProcessEnv = process.env, workspaceRoot = process.cwd()): EngineLayout {
  return engineLayout(resolve(env['GANTRY_DOCKER_HOME'] ?? resolve(workspaceRoot, '.gantry/docker')));
}
