import type { ServiceImageResult } from '@gantry/images';
import { describePlan, planDeploy, withDigests } from './deploy-plan';

const image = (service: string, version: string): ServiceImageResult => ({
  service,
  image: `127.0.0.1:5000/gantry/${service}`,
  tags: [version, 'sha-abc'],
  digest: `sha256:${version}`,
  pushed: [version],
  skipped: [],
  version,
  commit: 'abc',
});

describe('planDeploy', () => {
  it('deploys only the stacks of the services whose images were pushed', () => {
    const plan = planDeploy({
      envName: 'dev',
      images: [image('hello', '0.2.0')],
      affectedProjects: ['hello'],
      configChanged: [],
      current: [],
    });
    expect(plan).toEqual({
      platformStacks: [],
      services: [
        {
          service: 'hello',
          stack: 'Gantry-dev-Service-hello',
          version: '0.2.0',
          digest: 'sha256:0.2.0',
          why: 'new image',
        },
      ],
    });
  });

  it('adds the network and platform stacks first when the infra project is affected', () => {
    const plan = planDeploy({
      envName: 'prod',
      images: [],
      affectedProjects: ['infra', '@gantry/service-catalog'],
      configChanged: [],
      current: [],
    });
    expect(plan.platformStacks).toEqual(['Gantry-prod-Network', 'Gantry-prod-Platform']);
    expect(plan.services).toEqual([]);
    expect(describePlan(plan)).toEqual(['Gantry-prod-Network (infra changed)', 'Gantry-prod-Platform (infra changed)']);
  });

  it('redeploys every service stack at its version when infra changed: they are built from its constructs', () => {
    const plan = planDeploy({
      envName: 'dev',
      images: [image('hello', '0.2.0')],
      affectedProjects: ['infra', 'hello'],
      configChanged: [],
      current: [
        { service: 'catalog', version: '0.4.0' },
        { service: 'hello', version: '0.2.0' },
      ],
    });

    expect(describePlan(plan)).toEqual([
      'Gantry-dev-Network (infra changed)',
      'Gantry-dev-Platform (infra changed)',
      'Gantry-dev-Service-catalog: catalog runs gantry/catalog:0.4.0 (infra changed)',
      'Gantry-dev-Service-hello: hello runs gantry/hello:0.2.0 (new image)',
    ]);
  });

  it('deploys the shared stacks too when the run builds everything, and says so', () => {
    const plan = planDeploy({
      envName: 'dev',
      images: [],
      affectedProjects: ['hello'],
      configChanged: [],
      current: [{ service: 'hello', version: '0.1.0' }],
      everything: true,
    });
    expect(describePlan(plan)).toEqual([
      'Gantry-dev-Network (building everything)',
      'Gantry-dev-Platform (building everything)',
      'Gantry-dev-Service-hello: hello runs gantry/hello:0.1.0 (building everything)',
    ]);
  });

  it('redeploys a service whose service.json changed with the version it already runs', () => {
    const plan = planDeploy({
      envName: 'dev',
      images: [image('pricing', '0.1.3')],
      affectedProjects: ['catalog', 'pricing'],
      configChanged: [
        { service: 'catalog', version: '0.4.0' },
        { service: 'pricing', version: '0.1.2' },
      ],
      current: [],
    });
    expect(plan.services.map((s) => `${s.stack} ${s.version} ${s.why}`)).toEqual([
      'Gantry-dev-Service-catalog 0.4.0 service.json changed',
      'Gantry-dev-Service-pricing 0.1.3 new image',
    ]);
  });

  it('pins each planned service to a digest: the pushed one, or the one its version tag names in the registry', async () => {
    const plan = planDeploy({
      envName: 'dev',
      images: [image('pricing', '0.1.3')],
      affectedProjects: ['catalog', 'pricing'],
      configChanged: [{ service: 'catalog', version: '0.4.0' }],
      current: [],
    });
    const registry: Record<string, string> = { 'catalog:0.4.0': 'sha256:catalog' };

    const pinned = await withDigests(plan, async (service, version) => registry[`${service}:${version}`]);

    expect(pinned.services.map((s) => `${s.service} ${s.digest}`)).toEqual([
      'catalog sha256:catalog',
      'pricing sha256:0.1.3',
    ]);
    await expect(withDigests(plan, async () => undefined)).rejects.toThrow(
      'catalog: no image gantry/catalog:0.4.0 in the registry to deploy; run the images step for it first',
    );
  });

  it('says so when there is nothing to deploy', () => {
    expect(
      describePlan(
        planDeploy({
          envName: 'dev',
          images: [],
          affectedProjects: ['@gantry/pipeline'],
          configChanged: [],
          current: [],
        }),
      ),
    ).toEqual(['nothing to deploy: no new image, no service.json change, infra unchanged']);
  });
});
