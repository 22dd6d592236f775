import { resolve } from 'node:path';
import {
  defaultEngineLayout,
  defaultRegistryLayout,
  dockerCli,
  engineAnswers,
  startEngine,
  startRegistry,
  stopEngine,
  stopRegistry,
} from '@gantry/docker';
import { stopLocalEnvironment } from './local-environment/environment';
import { localEnvironmentLayout, stateHome } from './settings';

/**
 * The stand-ins that outlive one `npm run pipeline`: the private Docker engine, the registry (ECR), and the
 * local environment's containers and gateway (ECS and the ALB). They keep what was deployed, so a later run
 * or `npm run rollback` acts on it. Returns the variables that point the steps at them.
 */
export async function ensureStandins(
  root: string,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): Promise<NodeJS.ProcessEnv> {
  const home = stateHome(root, env);
  const engine = defaultEngineLayout({ GANTRY_DOCKER_HOME: resolve(home, 'docker'), ...env }, root);
  const registry = defaultRegistryLayout({ GANTRY_REGISTRY_HOME: resolve(home, 'registry'), ...env }, root);
  if (!(await engineAnswers(engine.host))) await startEngine(engine, log);
  await startRegistry(registry, log);
  return {
    DOCKER_HOST: engine.host,
    GANTRY_REGISTRY: registry.address,
    GANTRY_STATE_HOME: home,
    GANTRY_DEPLOY: env['GANTRY_DEPLOY'] ?? 'local',
  };
}

/** `npm run pipeline -- stop`: the local environment's containers and gateway, the registry, and (unless asked not to) the engine. */
export async function stopStandins(
  root: string,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
  options: { engine?: boolean } = {},
): Promise<void> {
  const home = stateHome(root, env);
  const engine = defaultEngineLayout({ GANTRY_DOCKER_HOME: resolve(home, 'docker'), ...env }, root);
  // Without an engine the containers are gone already; the gateway and the state still need stopping.
  await stopLocalEnvironment(root, localEnvironmentLayout(root, env), dockerCli(engine.host), log);
  await stopRegistry(defaultRegistryLayout({ GANTRY_REGISTRY_HOME: resolve(home, 'registry'), ...env }, root), log);
  if (options.engine ?? true) await stopEngine(engine, log);
}
