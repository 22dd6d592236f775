import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { join } from 'node:path';
import { serviceVersion, type ServiceImageResult } from '@gantry/images';
import { imageParameterName, loadCatalog, platformUrlParameterName } from '@gantry/service-catalog';
import type { BaseDecision } from './base';
import { imageContext, infraContext, runCdk } from './cdk';
import { describePlan, planDeploy, type DeployPlan } from './deploy-plan';
import { Git } from './git';
import { coveredProjects } from './nx';
import { smokeTest } from './smoke';
import { loadState, saveState } from './state';
import type { StepContext } from './steps';
import { checkTemplates } from './templates';
import type { VersionState } from './version-step';

export interface DeployState {
  /** cdk: deployed to AWS. synth: synthesized and checked only (no AWS here). */
  mode: 'cdk' | 'synth';
  plan: DeployPlan;
  envName: string;
}

/** The account infra/cdk.json ships with: synth works with it, a deploy must not. */
const PLACEHOLDER_ACCOUNT = '111111111111';
const EMPTY_PLAN: DeployPlan = { platformStacks: [], services: [] };

/** Services whose service.json changed since the base (every service when everything is built). */
async function configChanged(root: string, decision: BaseDecision, catalog: readonly string[]): Promise<Array<{ service: string; version: string }>> {
  const changed = decision.base
    ? (await new Git(root).exec(['diff', '--name-only', decision.base, decision.head, '--', 'apps/*/service.json'])).split('\n').filter(Boolean).map((file) => file.split('/')[1])
    : catalog;
  return changed.filter((service) => catalog.includes(service)).map((service) => ({ service, version: serviceVersion(root, service) }));
}

/**
 * Step "deploy": synthesize the CDK app with each new image tag, check the templates, and, with
 * GANTRY_DEPLOY=cdk, record each tag in SSM and `cdk deploy` exactly the synthesized stacks of the plan.
 */
export async function deployStep({ root, env, log }: StepContext): Promise<DeployState> {
  const context = infraContext(root);
  const envName = context.envName ?? 'dev';
  const mode = env['GANTRY_DEPLOY'] === 'cdk' ? 'cdk' : 'synth';
  const version = loadState<VersionState>(root, 'version');
  if (version.supersededBy) {
    log(`superseded by ${version.supersededBy.slice(0, 7)}: nothing to deploy`);
    return save(root, { mode, plan: EMPTY_PLAN, envName });
  }
  const decision = loadState<BaseDecision>(root, 'base');
  const catalog = loadCatalog(root);
  const stackPrefix = `Gantry-${envName}`;
  const plan = planDeploy({
    stackPrefix,
    images: loadState<ServiceImageResult[]>(root, 'images'),
    affectedProjects: await coveredProjects(root, decision, env),
    configChanged: await configChanged(root, decision, catalog.map((entry) => entry.name)),
    everything: !decision.base,
  });
  for (const line of describePlan(plan)) log(line);
  if (plan.platformStacks.length === 0 && plan.services.length === 0) return save(root, { mode, plan, envName });

  const out = join(root, 'dist/cdk.out');
  log(`cdk synth → ${out}`);
  const synth = await runCdk(root, ['synth', '--quiet', '--output', out, ...imageContext(plan.services)], env, () => undefined);
  if (synth.code !== 0) throw new Error(`cdk synth failed:\n${synth.lines.slice(-25).join('\n')}`);
  const problems = checkTemplates(out, plan, catalog, stackPrefix, envName);
  if (problems.length) throw new Error(`the synthesized templates do not match the plan:\n  ${problems.join('\n  ')}`);
  log(`templates checked: ${plan.services.length} service stack(s) run their new tags; every other service keeps its SSM-recorded image`);

  if (mode === 'synth') {
    log('GANTRY_DEPLOY is not "cdk": synthesized and checked, nothing deployed (no AWS here)');
    return save(root, { mode, plan, envName });
  }
  const account = context.account;
  if (!account || account === PLACEHOLDER_ACCOUNT) {
    throw new Error(`infra/cdk.json still holds the placeholder account ${PLACEHOLDER_ACCOUNT}; set "account" and "region" in its context (docs/deploy.md)`);
  }
  // Decision 7: the SSM parameter records what runs, so a later deploy of everything reproduces it.
  const ssm = new SSMClient({});
  for (const s of plan.services) {
    await ssm.send(new PutParameterCommand({ Name: imageParameterName(envName, s.service), Value: s.tag, Type: 'String', Overwrite: true }));
  }
  const stacks = [...plan.platformStacks, ...plan.services.map((s) => s.stack)];
  const exclusively = plan.platformStacks.length === 0 ? ['--exclusively'] : [];
  // --app is the assembly checked above: what is deployed is exactly what was checked.
  const deploy = await runCdk(root, ['deploy', '--app', out, '--require-approval', 'never', '--progress', 'events', ...exclusively, ...stacks], env, (line) => log(line));
  if (deploy.code !== 0) throw new Error(`cdk deploy ${stacks.join(' ')} failed (the circuit breaker rolls a failed service back); see the events above`);
  return save(root, { mode, plan, envName });
}

function save(root: string, state: DeployState): DeployState {
  saveState(root, 'deploy', state);
  return state;
}

/**
 * Step "smoke": `/<name>/health` and `/<name>/version` of each deployed service through the load balancer:
 * GANTRY_SMOKE_URL, else (after a cdk deploy) the ALB URL the platform stack keeps in SSM.
 */
export async function smokeStep({ root, env, log }: StepContext): Promise<boolean> {
  const { mode, plan, envName } = loadState<DeployState>(root, 'deploy');
  if (plan.services.length === 0) {
    log('no service was deployed: nothing to smoke-test');
    return false;
  }
  let url = env['GANTRY_SMOKE_URL'];
  if (!url && mode === 'cdk') {
    const { Parameter } = await new SSMClient({}).send(new GetParameterCommand({ Name: platformUrlParameterName(envName) }));
    url = Parameter?.Value;
  }
  if (!url) throw new Error(`no load balancer to smoke-test: set GANTRY_SMOKE_URL, or deploy with GANTRY_DEPLOY=cdk`);
  const catalog = loadCatalog(root);
  const targets = plan.services.map((s) => ({ service: s.service, prefix: catalog.find((e) => e.name === s.service)?.prefix ?? `/${s.service}`, version: s.tag }));
  log(`smoke-testing ${targets.map((t) => t.service).join(', ')} through ${url}`);
  await smokeTest(url.replace(/\/$/, ''), targets, { log });
  return true;
}
