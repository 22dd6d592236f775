import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { join } from 'node:path';
import { dockerCli } from '@gantry/docker';
import type { RegistryClient } from '@gantry/images';
import { deployedTag, parameterNames, repositoryName, stackNames, type ServiceEntry } from '@gantry/service-catalog';
import { imageContext, infraContext, runCdk } from './cdk';
import type { DeployPlan } from './deploy-plan';
import { LocalEnvironment } from './local-environment/environment';
import { deployRecord, localEnvironmentLayout, repositoryPrefix, type DeployMode } from './settings';
import { smokeTest } from './smoke-check';
import type { StepContext } from './step-context';
import { checkTemplates } from './templates';

// The three stages every change of what runs goes through, shared by the pipeline steps and the rollback
// command: roll out (synth, check, deploy), smoke-test through the load balancer, then record.

/** The account infra/cdk.json ships with: synth works with it, a deploy must not. */
const PLACEHOLDER_ACCOUNT = '111111111111';

/** The image a planned service runs, as `cdk -c image:<name>=<version>@<digest>` and a pullable reference. */
function pinned(plan: DeployPlan): Array<{ service: string; image: string }> {
  return plan.services.map((s) => ({ service: s.service, image: `${s.version}@${s.digest}` }));
}

/**
 * Synthesizes the CDK app with each planned service pinned to its digest and checks the templates; then,
 * with mode cdk, `cdk deploy`s exactly that assembly, or with mode local, starts the images in the local
 * stand-in. A failed deploy leaves the old version running (ECS rolls back; locally the old container stays).
 */
export async function rollOut(
  { root, env, log, catalog }: StepContext,
  plan: DeployPlan,
  mode: DeployMode,
  registry: RegistryClient | undefined,
  options: {
    synth?: boolean;
    /** Services to create with no task (`-c withoutTasks`): their first deploy, before their first migration. */
    withoutTasks?: string[];
  } = {},
): Promise<void> {
  const { account, envName = 'dev' } = infraContext(root);
  if (mode === 'local' && options.synth === false) return deployLocally({ root, env, log, catalog }, plan, registry);
  const out = join(root, 'dist/cdk.out');
  // Without the shared stacks in the plan, the deploy names only the planned service stacks (--exclusively),
  // so only those are synthesized: each service stack costs synth time, which grows with the catalog.
  const selective = plan.platformStacks.length === 0;
  const only = selective ? ['-c', `services=${plan.services.map((s) => s.service).join(',')}`] : [];
  if (options.withoutTasks?.length) only.push('-c', `withoutTasks=${options.withoutTasks.join(',')}`);
  log(`cdk synth${selective ? ` of ${plan.services.map((s) => s.stack).join(', ')}` : ''} → ${out}`);
  const synth = await runCdk(root, ['synth', '--quiet', '--output', out, ...only, ...imageContext(pinned(plan))], env);
  if (synth.code !== 0) throw new Error(`cdk synth failed:\n${synth.lines.slice(-25).join('\n')}`);
  const problems = checkTemplates(out, plan, catalog, envName, { onlyPlanned: selective });
  if (problems.length) throw new Error(`the synthesized templates do not match the plan:\n  ${problems.join('\n  ')}`);
  log(
    `templates checked: ${plan.services.length} service stack(s) run their new digests; ${
      selective ? 'no other service stack is synthesized or deployed' : 'every other service keeps its recorded image'
    }`,
  );

  if (mode === 'synth') {
    log('GANTRY_DEPLOY is neither "cdk" nor "local": synthesized and checked, nothing deployed');
    return;
  }
  if (mode === 'local') return deployLocally({ root, env, log, catalog }, plan, registry);
  if (!account || account === PLACEHOLDER_ACCOUNT) {
    throw new Error(
      `infra/cdk.json still holds the placeholder account ${PLACEHOLDER_ACCOUNT}; set "account" and "region" in its context (docs/deploy.md)`,
    );
  }
  // A service's database stack comes before it: --exclusively deploys no dependency by itself.
  const stacks = [
    ...plan.platformStacks,
    ...plan.services.flatMap((s) => {
      const withData = catalog.find((e) => e.name === s.service)?.database !== undefined;
      return withData ? [stackNames(envName).data(s.service), s.stack] : [s.stack];
    }),
  ];
  const exclusively = plan.platformStacks.length === 0 ? ['--exclusively'] : [];
  // --app is the assembly checked above: what is deployed is exactly what was checked.
  const deploy = await runCdk(
    root,
    ['deploy', '--app', out, '--require-approval', 'never', '--progress', 'events', ...exclusively, ...stacks],
    env,
    log,
  );
  if (deploy.code !== 0) {
    throw new Error(
      `cdk deploy ${stacks.join(' ')} failed (the circuit breaker rolls a failed service back); see the events above`,
    );
  }
}

/** Each planned service's image into the local stand-in, one after the other; the first failure stops the rest. */
async function deployLocally(
  context: StepContext,
  plan: DeployPlan,
  registry: RegistryClient | undefined,
): Promise<void> {
  if (!registry) throw new Error('GANTRY_REGISTRY is not set: the local stand-in pulls images from it');
  const environment = await openLocalEnvironment(context);
  for (const s of plan.services) {
    const entry = context.catalog.find((e) => e.name === s.service) as ServiceEntry;
    const reference = `${registry.host}/${repositoryName(s.service, repositoryPrefix(context.env))}@${s.digest}`;
    await environment.deploy(entry, { reference, version: s.version, digest: s.digest as string });
  }
}

export function openLocalEnvironment({
  root,
  env,
  log,
}: Omit<StepContext, 'catalog'> & Partial<StepContext>): Promise<LocalEnvironment> {
  const docker = dockerCli(env['DOCKER_HOST'] ?? 'unix:///var/run/docker.sock');
  return LocalEnvironment.open(root, localEnvironmentLayout(root, env), docker, log);
}

/** The load balancer to smoke-test through: GANTRY_SMOKE_URL, else the local gateway, else the ALB URL in SSM. */
async function loadBalancerUrl(
  root: string,
  env: NodeJS.ProcessEnv,
  mode: DeployMode,
  envName: string,
): Promise<string> {
  if (env['GANTRY_SMOKE_URL']) return env['GANTRY_SMOKE_URL'];
  if (mode === 'local') return localEnvironmentLayout(root, env).url;
  if (mode === 'cdk') {
    const { Parameter } = await new SSMClient({}).send(
      new GetParameterCommand({ Name: parameterNames(envName).platformUrl }),
    );
    if (Parameter?.Value) return Parameter.Value;
  }
  throw new Error('no load balancer to smoke-test: set GANTRY_SMOKE_URL, or deploy with GANTRY_DEPLOY=cdk or local');
}

/** `/<name>/health` and `/<name>/version` of each planned service through the load balancer. */
export async function smokePlan(
  { root, env, log, catalog }: StepContext,
  plan: DeployPlan,
  mode: DeployMode,
  envName: string,
): Promise<void> {
  const url = (await loadBalancerUrl(root, env, mode, envName)).replace(/\/$/, '');
  const targets = plan.services.map((s) => ({
    service: s.service,
    prefix: catalog.find((e) => e.name === s.service)?.prefix ?? `/${s.service}`,
    version: s.version,
  }));
  log(`smoke-testing ${targets.map((t) => t.service).join(', ')} through ${url}`);
  const timeoutMs = env['GANTRY_SMOKE_TIMEOUT_MS'] ? Number(env['GANTRY_SMOKE_TIMEOUT_MS']) : undefined;
  await smokeTest(url, targets, { log, timeoutMs });
}

/**
 * Records each planned service as what runs (after its deploy and smoke test passed, never before), and
 * moves the registry's `deployed-<env>` tag to its image, which the ECR lifecycle never expires.
 */
export async function recordPlan(
  { root, env, log }: StepContext,
  plan: DeployPlan,
  mode: DeployMode,
  envName: string,
  commit: string,
  registry: RegistryClient | undefined,
): Promise<void> {
  const record = deployRecord(root, env, envName, mode);
  for (const s of plan.services) {
    const digest = s.digest as string;
    await record.record(s.service, { version: s.version, digest, commit, deployedAt: new Date().toISOString() });
    if (registry) {
      const repository = repositoryName(s.service, repositoryPrefix(env));
      const manifest = await registry.getManifest(repository, digest);
      if (manifest) await registry.putManifest(repository, deployedTag(envName), manifest.body, manifest.mediaType);
    }
    log(`${s.service}: recorded ${s.version} (${digest.slice(0, 19)}) as what runs in ${envName}, in ${record.label}`);
  }
}
