import { repositoryName, serviceVersion } from '@gantry/service-catalog';
import { infraContext } from '../cdk';
import { describePlan, planDeploy, withDigests, type DeployPlan } from '../deploy-plan';
import { catalogEntriesChanged, changedFiles, deployAffected } from '../infra-change';
import { rollOut } from '../rollout';
import type { RegistryClient } from '@gantry/images';
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
  const release = await plannedRelease(context, { describe: true });
  if (release.plan.platformStacks.length === 0 && release.plan.services.length === 0)
    return save(context.root, release);
  // Saved before the roll-out, so a failed deploy still says what it tried.
  save(context.root, release);
  await rollOut(context, release.plan, release.mode, release.registry);
  return save(context.root, release);
}

/** What this run deploys: the planned stacks, each service pinned to its image digest. */
export interface PlannedRelease extends DeployState {
  registry: RegistryClient | undefined;
}

/**
 * Plans the stacks (services with a new image or a changed service.json; Network and Platform when infra
 * changed) and pins each planned service to its digest. The migrate step and the deploy step both plan with
 * this, so they agree on what is about to run.
 */
export async function plannedRelease(context: StepContext, options: { describe: boolean }): Promise<PlannedRelease> {
  const { root, env, log, catalog } = context;
  const envName = infraContext(root).envName ?? 'dev';
  const mode = deployMode(env);
  const version = loadState<VersionState>(root, 'version');
  if (version.supersededBy) {
    log(`superseded by ${version.supersededBy.slice(0, 7)}: nothing to deploy`);
    return { mode, plan: EMPTY_PLAN, envName, registry: undefined };
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
  if (options.describe) for (const line of describePlan(planned)) log(line);
  if (planned.platformStacks.length === 0 && planned.services.length === 0)
    return { mode, plan: planned, envName, registry: undefined };

  const registry = await registryFromEnv(env);
  const plan = await withDigests(planned, async (service, tag) =>
    registry?.manifestDigest(repositoryName(service, repositoryPrefix(env)), tag),
  );
  return { mode, plan, envName, registry };
}

function save(root: string, { mode, plan, envName }: DeployState): DeployState {
  const state = { mode, plan, envName };
  saveState(root, 'deploy', state);
  return state;
}
