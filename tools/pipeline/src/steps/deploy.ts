import { repositoryName, serviceVersion } from '@gantry/service-catalog';
import { infraContext } from '../cdk';
import { describePlan, planDeploy, withDigests, type DeployPlan } from '../deploy-plan';
import { catalogEntriesChanged, changedFiles, deployAffected } from '../infra-change';
import { rollOut } from '../rollout';
import { deployMode, registryFromEnv, repositoryPrefix, type DeployMode } from '../settings';
import { loadState, saveState } from '../state';
import type { StepContext } from '../step-context';
import type { BaseState } from './base';
import type { ChecksState } from './checks';
import type { ImagesState } from './images';
import type { VersionState } from './version';

export interface DeployState {
  /** cdk: deployed to AWS. local: to the local stand-in. synth: synthesized and checked only. */
  mode: DeployMode;
  /** Every planned service with the digest it now runs. */
  plan: DeployPlan;
  envName: string;
}

const EMPTY_PLAN: DeployPlan = { platformStacks: [], services: [] };

/**
 * Step "deploy": plan the stacks, pin each planned service to its image digest, synthesize and check the
 * templates, then deploy them: to AWS with GANTRY_DEPLOY=cdk, to the local stand-in with GANTRY_DEPLOY=local.
 * Nothing is recorded as running here; the record step does that once the smoke test passed.
 */
export async function deployStep(context: StepContext): Promise<DeployState> {
  const { root, env, log, catalog } = context;
  const envName = infraContext(root).envName ?? 'dev';
  const mode = deployMode(env);
  const version = loadState<VersionState>(root, 'version');
  if (version.supersededBy) {
    log(`superseded by ${version.supersededBy.slice(0, 7)}: nothing to deploy`);
    return save(root, { mode, plan: EMPTY_PLAN, envName });
  }
  const decision = loadState<BaseState>(root, 'base');
  const names = catalog.map((entry) => entry.name);
  const withVersions = (services: string[]) =>
    services.map((service) => ({ service, version: serviceVersion(root, service) }));
  const affected = loadState<ChecksState>(root, 'checks').projects;
  const range = decision.base ? { base: decision.base, head: decision.head } : undefined;
  const files = range ? await changedFiles(root, range) : [];
  const planned = planDeploy({
    envName,
    images: loadState<ImagesState>(root, 'images'),
    affectedProjects: range ? await deployAffected(root, range, affected, files) : affected,
    // With no base, everything is deployed anyway.
    configChanged: withVersions(range ? catalogEntriesChanged(files, names) : names),
    current: withVersions(names),
    everything: !decision.base,
  });
  for (const line of describePlan(planned)) log(line);
  if (planned.platformStacks.length === 0 && planned.services.length === 0)
    return save(root, { mode, plan: planned, envName });

  const registry = await registryFromEnv(env);
  const plan = await withDigests(planned, async (service, tag) =>
    registry?.manifestDigest(repositoryName(service, repositoryPrefix(env)), tag),
  );
  // Saved before the roll-out, so a failed deploy still says what it tried.
  save(root, { mode, plan, envName });
  await rollOut(context, plan, mode, registry);
  return save(root, { mode, plan, envName });
}

function save(root: string, state: DeployState): DeployState {
  saveState(root, 'deploy', state);
  return state;
}
