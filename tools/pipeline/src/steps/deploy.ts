import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { join } from 'node:path';
import { Git } from '@gantry/process';
import { parameterNames, serviceVersion } from '@gantry/service-catalog';
import { imageContext, infraContext, runCdk } from '../cdk';
import { describePlan, planDeploy, type DeployPlan } from '../deploy-plan';
import { loadState, saveState } from '../state';
import type { StepContext } from '../step-context';
import { checkTemplates } from '../templates';
import type { BaseState } from './base';
import type { ChecksState } from './checks';
import type { ImagesState } from './images';
import type { VersionState } from './version';

export interface DeployState {
  /** cdk: deployed to AWS. synth: synthesized and checked only (no AWS here). */
  mode: 'cdk' | 'synth';
  plan: DeployPlan;
  envName: string;
}

/** The account infra/cdk.json ships with: synth works with it, a deploy must not. */
const PLACEHOLDER_ACCOUNT = '111111111111';
const EMPTY_PLAN: DeployPlan = { platformStacks: [], services: [] };

/** Services whose service.json changed since the base (every service when everything is built), at the version they run. */
async function configChanged(
  root: string,
  decision: BaseState,
  services: readonly string[],
): Promise<Array<{ service: string; version: string }>> {
  const changed = decision.base
    ? (await new Git(root).exec(['diff', '--name-only', decision.base, decision.head, '--', 'apps/*/service.json']))
        .split('\n')
        .filter(Boolean)
        .map((file) => file.split('/')[1])
    : services;
  return changed
    .filter((service) => services.includes(service))
    .map((service) => ({ service, version: serviceVersion(root, service) }));
}

/**
 * Step "deploy": synthesize the CDK app with each new image tag, check the templates, and, with
 * GANTRY_DEPLOY=cdk, record each tag in SSM and `cdk deploy` exactly the synthesized stacks of the plan.
 */
export async function deployStep({ root, env, log, catalog }: StepContext): Promise<DeployState> {
  const context = infraContext(root);
  const envName = context.envName ?? 'dev';
  const mode = env['GANTRY_DEPLOY'] === 'cdk' ? 'cdk' : 'synth';
  const version = loadState<VersionState>(root, 'version');
  if (version.supersededBy) {
    log(`superseded by ${version.supersededBy.slice(0, 7)}: nothing to deploy`);
    return save(root, { mode, plan: EMPTY_PLAN, envName });
  }
  const decision = loadState<BaseState>(root, 'base');
  const plan = planDeploy({
    envName,
    images: loadState<ImagesState>(root, 'images'),
    affectedProjects: loadState<ChecksState>(root, 'checks').projects,
    configChanged: await configChanged(
      root,
      decision,
      catalog.map((entry) => entry.name),
    ),
    everything: !decision.base,
  });
  for (const line of describePlan(plan)) log(line);
  if (plan.platformStacks.length === 0 && plan.services.length === 0) return save(root, { mode, plan, envName });

  const out = join(root, 'dist/cdk.out');
  log(`cdk synth → ${out}`);
  const synth = await runCdk(root, ['synth', '--quiet', '--output', out, ...imageContext(plan.services)], env);
  if (synth.code !== 0) throw new Error(`cdk synth failed:\n${synth.lines.slice(-25).join('\n')}`);
  const problems = checkTemplates(out, plan, catalog, envName);
  if (problems.length) throw new Error(`the synthesized templates do not match the plan:\n  ${problems.join('\n  ')}`);
  log(
    `templates checked: ${plan.services.length} service stack(s) run their new tags; every other service keeps its SSM-recorded image`,
  );

  if (mode === 'synth') {
    log('GANTRY_DEPLOY is not "cdk": synthesized and checked, nothing deployed (no AWS here)');
    return save(root, { mode, plan, envName });
  }
  const account = context.account;
  if (!account || account === PLACEHOLDER_ACCOUNT) {
    throw new Error(
      `infra/cdk.json still holds the placeholder account ${PLACEHOLDER_ACCOUNT}; set "account" and "region" in its context (docs/deploy.md)`,
    );
  }
  // Decision 7: the SSM parameter records what runs, so a later deploy of everything reproduces it.
  const ssm = new SSMClient({});
  for (const s of plan.services) {
    await ssm.send(
      new PutParameterCommand({
        Name: parameterNames(envName).image(s.service),
        Value: s.tag,
        Type: 'String',
        Overwrite: true,
      }),
    );
  }
  const stacks = [...plan.platformStacks, ...plan.services.map((s) => s.stack)];
  const exclusively = plan.platformStacks.length === 0 ? ['--exclusively'] : [];
  // --app is the assembly checked above: what is deployed is exactly what was checked.
  const deploy = await runCdk(
    root,
    ['deploy', '--app', out, '--require-approval', 'never', '--progress', 'events', ...exclusively, ...stacks],
    env,
    log,
  );
  if (deploy.code !== 0)
    throw new Error(
      `cdk deploy ${stacks.join(' ')} failed (the circuit breaker rolls a failed service back); see the events above`,
    );
  return save(root, { mode, plan, envName });
}

function save(root: string, state: DeployState): DeployState {
  saveState(root, 'deploy', state);
  return state;
}
