import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { parameterNames } from '@gantry/service-catalog';
import { smokeTest } from '../smoke-check';
import { loadState } from '../state';
import type { StepContext } from '../step-context';
import type { DeployState } from './deploy';

/**
 * Step "smoke": `/<name>/health` and `/<name>/version` of each deployed service through the load balancer:
 * GANTRY_SMOKE_URL, else (after a cdk deploy) the ALB URL the platform stack keeps in SSM.
 */
export async function smokeStep({ root, env, log, catalog }: StepContext): Promise<boolean> {
  const { mode, plan, envName } = loadState<DeployState>(root, 'deploy');
  if (plan.services.length === 0) {
    log('no service was deployed: nothing to smoke-test');
    return false;
  }
  let url = env['GANTRY_SMOKE_URL'];
  if (!url && mode === 'cdk') {
    const { Parameter } = await new SSMClient({}).send(
      new GetParameterCommand({ Name: parameterNames(envName).platformUrl }),
    );
    url = Parameter?.Value;
  }
  if (!url) throw new Error(`no load balancer to smoke-test: set GANTRY_SMOKE_URL, or deploy with GANTRY_DEPLOY=cdk`);
  const targets = plan.services.map((s) => ({
    service: s.service,
    prefix: catalog.find((e) => e.name === s.service)?.prefix ?? `/${s.service}`,
    version: s.tag,
  }));
  log(`smoke-testing ${targets.map((t) => t.service).join(', ')} through ${url}`);
  await smokeTest(url.replace(/\/$/, ''), targets, { log });
  return true;
}
