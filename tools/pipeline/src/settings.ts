import { resolve } from 'node:path';
import { registryClient, registryUrl, type RegistryAuth, type RegistryClient } from '@gantry/images';
import { DEFAULT_REPOSITORY_PREFIX, DEFAULT_SHARDING } from '@gantry/service-catalog';
import { FileDeployRecord, SsmDeployRecord, type DeployRecord } from './deploy-record';
import { localLayout, type LocalLayout } from './local-environment/state';
import { registryCredentials } from './registry-login';

// The GANTRY_* settings more than one step reads, read in one place (buildspec.yml documents each).

/** cdk: deploy to AWS. local: the local stand-in for ECS and the ALB. synth: synthesize and check only. */
export type DeployMode = 'cdk' | 'local' | 'synth';

export function deployMode(env: NodeJS.ProcessEnv): DeployMode {
  const mode = env['GANTRY_DEPLOY'] ?? 'synth';
  if (mode !== 'cdk' && mode !== 'local' && mode !== 'synth') {
    throw new Error(
      `GANTRY_DEPLOY must be cdk (AWS), local (the local stand-in) or synth (check only), got ${JSON.stringify(mode)}`,
    );
  }
  return mode;
}

/**
 * The registry images are pushed to and read from (GANTRY_REGISTRY), with its credentials: see
 * registryCredentials. Undefined when GANTRY_REGISTRY is not set.
 */
export async function registryAccess(
  env: NodeJS.ProcessEnv,
): Promise<{ client: RegistryClient; auth?: RegistryAuth } | undefined> {
  const registry = env['GANTRY_REGISTRY'];
  if (!registry) return undefined;
  const auth = await registryCredentials(registryUrl(registry).host, env);
  return { client: registryClient(registry, auth ? { auth } : {}), auth };
}

export async function registryFromEnv(env: NodeJS.ProcessEnv): Promise<RegistryClient | undefined> {
  return (await registryAccess(env))?.client;
}

export async function requireRegistry(env: NodeJS.ProcessEnv): Promise<RegistryClient> {
  const client = await registryFromEnv(env);
  if (!client)
    throw new Error(
      'GANTRY_REGISTRY is not set; set it to the registry host (ECR: <account>.dkr.ecr.<region>.amazonaws.com)',
    );
  return client;
}

export function repositoryPrefix(env: NodeJS.ProcessEnv): string {
  return env['GANTRY_REPOSITORY_PREFIX'] || DEFAULT_REPOSITORY_PREFIX;
}

/** Where the local stand-ins keep their state: GANTRY_STATE_HOME, else .gantry in the checkout. */
export function stateHome(root: string, env: NodeJS.ProcessEnv): string {
  return resolve(root, env['GANTRY_STATE_HOME'] ?? '.gantry');
}

export function localEnvironmentLayout(root: string, env: NodeJS.ProcessEnv): LocalLayout {
  return localLayout(stateHome(root, env), env);
}

/** What runs and what ran before: SSM for a cdk deploy, a file beside the local stand-in otherwise. */
export function deployRecord(root: string, env: NodeJS.ProcessEnv, envName: string, mode: DeployMode): DeployRecord {
  return mode === 'cdk'
    ? new SsmDeployRecord(envName)
    : new FileDeployRecord(resolve(stateHome(root, env), 'deploys', `${envName}.json`));
}

/**
 * The builds of each batch (GANTRY_SHARDS, the length of the buildspecs' build-list; in CodeBuild each
 * build reads its own GANTRY_SHARD instead), and how much one build takes before the work spreads:
 * GANTRY_SHARD_PROJECTS checked projects, GANTRY_SHARD_IMAGES images. Defaults: DEFAULT_SHARDING, measured.
 */
export interface ShardSettings {
  count: number;
  projectsPerShard: number;
  imagesPerShard: number;
}

export const DEFAULT_SHARDS: ShardSettings = {
  count: DEFAULT_SHARDING.builds,
  projectsPerShard: DEFAULT_SHARDING.projectsPerBuild,
  imagesPerShard: DEFAULT_SHARDING.imagesPerBuild,
};

export function shardSettings(env: NodeJS.ProcessEnv): ShardSettings {
  const read = (name: string, fallback: number): number => {
    const value = env[name];
    if (value === undefined || value.trim() === '') return fallback;
    if (!/^\d+$/.test(value.trim()) || Number(value) < 1 || Number(value) > 10_000)
      throw new Error(`${name} must be a whole number from 1 to 10000, got ${JSON.stringify(value)}`);
    return Number(value);
  };
  return {
    count: read('GANTRY_SHARDS', DEFAULT_SHARDS.count),
    projectsPerShard: read('GANTRY_SHARD_PROJECTS', DEFAULT_SHARDS.projectsPerShard),
    imagesPerShard: read('GANTRY_SHARD_IMAGES', DEFAULT_SHARDS.imagesPerShard),
  };
}
