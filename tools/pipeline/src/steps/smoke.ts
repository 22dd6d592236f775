import { smokePlan } from '../rollout';
import { loadState } from '../state';
import type { StepContext } from '../step-context';
import type { DeployState } from './deploy';

/**
 * Step "smoke": `/<name>/health` and `/<name>/version` of each deployed service through the load balancer:
 * GANTRY_SMOKE_URL, else the local gateway (GANTRY_DEPLOY=local), else the ALB URL the platform stack keeps in SSM.
 */
export async function smokeStep(context: StepContext): Promise<boolean> {
  const { mode, plan, envName } = loadState<DeployState>(context.root, 'deploy');
  if (plan.services.length === 0) {
    context.log('no service was deployed: nothing to smoke-test');
    return false;
  }
  await smokePlan(context, plan, mode, envName);
  return true;
}
