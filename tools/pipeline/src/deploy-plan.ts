import type { ServiceImageResult } from '@gantry/images';
import { repositoryName, stackNames } from '@gantry/service-catalog';

/** One service stack to deploy, and the image it will run. */
export interface ServiceDeploy {
  service: string;
  stack: string;
  /** The released version: the one the images step pushed, or the one the service is at. */
  version: string;
  /** The image's manifest digest: tasks run `<repository>@<digest>`, never a tag. */
  digest?: string;
  why: 'new image' | 'service.json changed' | 'infra changed' | 'building everything' | 'rollback';
}

export interface DeployPlan {
  /** The Network and Platform stacks, deployed first, only when the infra project itself is affected. */
  platformStacks: string[];
  /** Why the platform stacks are in the plan. */
  platformReason?: 'infra changed' | 'building everything';
  services: ServiceDeploy[];
}

export interface DeployInputs {
  /** The environment whose stacks are planned (infra/cdk.json `envName`). */
  envName: string;
  images: readonly ServiceImageResult[];
  /** Affected Nx projects (all of them when everything is built). */
  affectedProjects: readonly string[];
  /** Services whose apps/<name>/service.json changed in the range, with the version they run now. */
  configChanged: ReadonlyArray<{ service: string; version: string }>;
  /** Every catalog service with the version it runs now: all are redeployed when infra changed or everything is built. */
  current: ReadonlyArray<{ service: string; version: string }>;
  /** The run builds everything (no recorded base): every stack is deployed. */
  everything?: boolean;
}

export const INFRA_PROJECT = 'infra';

/**
 * What the deploy step rolls out: the service stacks of the images just pushed, plus services whose
 * deploy contract changed. When infra changed, the shared stacks and every service stack (at the version it
 * runs): the service stacks are built from infra's constructs too. Nothing else is touched, so deploying
 * hello never changes what pricing runs.
 */
export function planDeploy(inputs: DeployInputs): DeployPlan {
  const stacks = stackNames(inputs.envName);
  const services = new Map<string, ServiceDeploy>();
  for (const image of inputs.images) {
    services.set(image.service, {
      service: image.service,
      stack: stacks.service(image.service),
      version: image.version,
      digest: image.digest,
      why: 'new image',
    });
  }
  const infraChanged = inputs.everything || inputs.affectedProjects.includes(INFRA_PROJECT);
  const reason = inputs.everything ? 'building everything' : 'infra changed';
  for (const { service, version } of infraChanged ? inputs.current : inputs.configChanged) {
    const why = infraChanged ? reason : 'service.json changed';
    if (!services.has(service)) services.set(service, { service, stack: stacks.service(service), version, why });
  }
  const sorted = [...services.values()].sort((a, b) => a.service.localeCompare(b.service));
  if (!infraChanged) return { platformStacks: [], services: sorted };
  return { platformStacks: [stacks.network, stacks.platform], platformReason: reason, services: sorted };
}

/** The plan as lines for the log: what would change, and why. */
export function describePlan(plan: DeployPlan): string[] {
  if (plan.platformStacks.length === 0 && plan.services.length === 0)
    return ['nothing to deploy: no new image, no service.json change, infra unchanged'];
  return [
    ...plan.platformStacks.map((stack) => `${stack} (${plan.platformReason})`),
    ...plan.services.map((s) => `${s.stack}: ${s.service} runs ${repositoryName(s.service)}:${s.version} (${s.why})`),
  ];
}

/**
 * The plan with every service's digest filled in: a service the run pushed no image for (its service.json
 * changed, or everything is built) runs the image its version tag names in the registry.
 */
export async function withDigests(
  plan: DeployPlan,
  digestOf: (service: string, version: string) => Promise<string | undefined>,
): Promise<DeployPlan> {
  const services: ServiceDeploy[] = [];
  for (const s of plan.services) {
    const digest = s.digest ?? (await digestOf(s.service, s.version));
    if (!digest) {
      throw new Error(
        `${s.service}: no image ${repositoryName(s.service)}:${s.version} in the registry to deploy; run the images step for it first`,
      );
    }
    services.push({ ...s, digest });
  }
  return { ...plan, services };
}
