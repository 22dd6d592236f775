import { repositoryName, stackNames } from '@gantry/service-catalog';
import { infraContext } from './cdk';
import type { DeployedImage } from './deploy-record';
import type { DeployPlan } from './deploy-plan';
import { recordPlan, rollOut, smokePlan } from './rollout';
import { deployMode, deployRecord, repositoryPrefix, requireRegistry } from './settings';
import type { StepContext } from './step-context';

export interface RollbackResult {
  service: string;
  from?: Pick<DeployedImage, 'version' | 'digest'>;
  to: Pick<DeployedImage, 'version' | 'digest'>;
  seconds: number;
}

const SEMVER = /^\d+\.\d+\.\d+$/;

/**
 * `npm run rollback -- <service> [<version>]`: runs an earlier version of one service again, by digest,
 * through the same roll-out, smoke test and record as a pipeline deploy. The default is the newest version
 * in the service's deploy history that differs from what runs now.
 */
export async function rollback(context: StepContext, service: string, version?: string): Promise<RollbackResult> {
  const started = performance.now();
  const { root, env, log, catalog } = context;
  if (!catalog.some((entry) => entry.name === service)) {
    throw new Error(`"${service}" is not in the service catalog; services: ${catalog.map((e) => e.name).join(', ')}`);
  }
  const envName = infraContext(root).envName ?? 'dev';
  const mode = deployMode(env);
  const record = deployRecord(root, env, envName, mode);
  const history = await record.history(service);
  const current = history[0];
  const target = version ?? history.find((entry) => entry.version !== current?.version)?.version;
  if (!target) {
    const ran = history.length ? `only ${current.version} is recorded` : 'no deploy is recorded';
    throw new Error(
      `${service}: ${ran} in ${record.label}, so there is no earlier version to go back to; name one: npm run rollback -- ${service} <version>`,
    );
  }
  const registry = await requireRegistry(env);
  const repository = repositoryName(service, repositoryPrefix(env));
  const digest = await registry.manifestDigest(repository, target);
  if (!digest) {
    const versions = (await registry.tags(repository)).filter((tag) => SEMVER.test(tag)).sort(bySemver);
    throw new Error(
      `${service}: there is no image ${repository}:${target} in ${registry.host}; versions with an image: ${versions.join(', ') || 'none'}`,
    );
  }
  const plan: DeployPlan = {
    platformStacks: [],
    services: [{ service, stack: stackNames(envName).service(service), version: target, digest, why: 'rollback' }],
  };
  log(
    `${service}: rolling back from ${current ? `${current.version} (${current.digest.slice(0, 19)})` : 'nothing recorded'} to ${target} (${digest.slice(0, 19)})`,
  );
  // Locally the CDK app is not what runs, so a rollback skips its synth; on AWS it deploys the checked assembly.
  await rollOut(context, plan, mode, registry, { synth: mode !== 'local' });
  await smokePlan(context, plan, mode, envName);
  const commit = history.find((entry) => entry.digest === digest)?.commit ?? `rollback to ${target}`;
  await recordPlan(context, plan, mode, envName, commit, registry);
  const seconds = (performance.now() - started) / 1000;
  log(`${service}: ${current?.version ?? 'nothing'} → ${target} in ${seconds.toFixed(1)} s`);
  return {
    service,
    from: current && { version: current.version, digest: current.digest },
    to: { version: target, digest },
    seconds,
  };
}

function bySemver(a: string, b: string): number {
  const [x, y] = [a, b].map((v) => v.split('.').map(Number));
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
}
