import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCatalog } from '@gantry/service-catalog';
import { sampleEntry } from '@gantry/service-catalog/testing';
import { imageContext, runCdk } from './cdk';
import type { DeployPlan } from './deploy-plan';
import { checkTemplates } from './templates';

// Templates in the shape `cdk synth` writes for a service stack (checked against a real synth below and by
// the pipeline end-to-end test): the image is an Fn::Join ending in "…@<digest>", in "…:<tag>", or in the
// digest half of the SSM record, `Fn::Select [1, Fn::Split ["@", {Ref}]]`.
const hello = sampleEntry('hello', 1);
const pricing = sampleEntry('pricing', 3);
const digest = (n: number) => `sha256:${String(n).repeat(64)}`;
let out: string;

type Image = { digest: string } | { tag: string } | { parameter: string };

function serviceTemplate(name: string, image: Image, priority: number): object {
  const tail =
    'digest' in image
      ? [`/gantry/${name}@${image.digest}`]
      : 'tag' in image
        ? [`/gantry/${name}:${image.tag}`]
        : [`/gantry/${name}@`, { 'Fn::Select': [1, { 'Fn::Split': ['@', { Ref: 'ImageParameter' }] }] }];
  return {
    Parameters:
      'parameter' in image
        ? { ImageParameter: { Type: 'AWS::SSM::Parameter::Value<String>', Default: image.parameter } }
        : {},
    Resources: {
      Task: {
        Type: 'AWS::ECS::TaskDefinition',
        Properties: {
          ContainerDefinitions: [
            { Image: { 'Fn::Join': ['', ['111111111111.dkr.ecr.eu-west-1.', { Ref: 'AWS::URLSuffix' }, ...tail]] } },
          ],
        },
      },
      Rule: {
        Type: 'AWS::ElasticLoadBalancingV2::ListenerRule',
        Properties: {
          Priority: priority + 25000,
          Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: [`/${name}`, `/${name}/*`] } }],
        },
      },
      TestRule: {
        Type: 'AWS::ElasticLoadBalancingV2::ListenerRule',
        Properties: {
          Priority: priority,
          Conditions: [
            { Field: 'path-pattern', PathPatternConfig: { Values: [`/${name}`, `/${name}/*`] } },
            { Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'x-gantry-test-traffic', Values: ['1'] } },
          ],
        },
      },
      Group: { Type: 'AWS::ElasticLoadBalancingV2::TargetGroup', Properties: { HealthCheckPath: `/${name}/ready` } },
    },
  };
}

const write = (stack: string, template: object) =>
  writeFileSync(join(out, `${stack}.template.json`), JSON.stringify(template));
const helloPlan: DeployPlan = {
  platformStacks: [],
  services: [
    { service: 'hello', stack: 'Gantry-dev-Service-hello', version: '0.2.0', digest: digest(2), why: 'new image' },
  ],
};

beforeEach(() => {
  out = mkdtempSync(join(tmpdir(), 'gantry-templates-'));
});
afterEach(() => rmSync(out, { recursive: true, force: true }));

describe('checkTemplates', () => {
  it('accepts a planned service on its new digest while every other service keeps its SSM-recorded image', () => {
    write('Gantry-dev-Service-hello', serviceTemplate('hello', { digest: digest(2) }, 10));
    write('Gantry-dev-Service-pricing', serviceTemplate('pricing', { parameter: '/gantry/dev/images/pricing' }, 30));
    expect(checkTemplates(out, helloPlan, [hello, pricing], 'dev')).toEqual([]);
  });

  it('checks only the planned stacks of an assembly synthesized with -c services, and still their digests', () => {
    write('Gantry-dev-Service-hello', serviceTemplate('hello', { digest: digest(2) }, 10));
    expect(checkTemplates(out, helloPlan, [hello, pricing], 'dev', { onlyPlanned: true })).toEqual([]);
    // A full check of the same assembly misses pricing's stack.
    expect(checkTemplates(out, helloPlan, [hello, pricing], 'dev')).toEqual([
      expect.stringMatching(/^Gantry-dev-Service-pricing: no template in /),
    ]);
    write('Gantry-dev-Service-hello', serviceTemplate('hello', { digest: digest(1) }, 10));
    expect(checkTemplates(out, helloPlan, [hello, pricing], 'dev', { onlyPlanned: true })).toEqual([
      `Gantry-dev-Service-hello: runs ${digest(1)}, expected 0.2.0 at ${digest(2)}`,
    ]);
  });

  it('flags a planned service synthesized with another digest, or with a tag instead of a digest', () => {
    write('Gantry-dev-Service-hello', serviceTemplate('hello', { digest: digest(1) }, 10));
    write('Gantry-dev-Service-pricing', serviceTemplate('pricing', { parameter: '/gantry/dev/images/pricing' }, 30));
    expect(checkTemplates(out, helloPlan, [hello, pricing], 'dev')).toEqual([
      `Gantry-dev-Service-hello: runs ${digest(1)}, expected 0.2.0 at ${digest(2)}`,
    ]);
    write('Gantry-dev-Service-hello', serviceTemplate('hello', { tag: '0.2.0' }, 10));
    expect(checkTemplates(out, helloPlan, [hello, pricing], 'dev')).toEqual([
      `Gantry-dev-Service-hello: runs 0.2.0, expected 0.2.0 at ${digest(2)}`,
    ]);
  });

  it('flags a service outside the plan whose image would change (a pinned tag instead of its SSM record)', () => {
    write('Gantry-dev-Service-hello', serviceTemplate('hello', { digest: digest(2) }, 10));
    write('Gantry-dev-Service-pricing', serviceTemplate('pricing', { tag: '0.0.9' }, 30));
    expect(checkTemplates(out, helloPlan, [hello, pricing], 'dev')).toEqual([
      'Gantry-dev-Service-pricing: is not being deployed, so its image must come from /gantry/dev/images/pricing, not 0.0.9',
    ]);
  });

  it('flags a rule that does not match the catalog, and a stack that is missing', () => {
    write('Gantry-dev-Service-hello', serviceTemplate('hello', { digest: digest(2) }, 11));
    expect(
      checkTemplates(out, { ...helloPlan, platformStacks: ['Gantry-dev-Platform'] }, [hello, pricing], 'dev'),
    ).toEqual([
      `Gantry-dev-Platform: no template in ${out} (is the stack named Gantry-dev-Platform in infra/src/gantry-app.ts?)`,
      'Gantry-dev-Service-hello: production listener rule is ["/hello","/hello/*"] at priority 25011, expected ["/hello","/hello/*"] at 25010',
      'Gantry-dev-Service-hello: test listener rule is ["/hello","/hello/*"] at priority 11, expected ["/hello","/hello/*"] at 10',
      `Gantry-dev-Service-pricing: no template in ${out} (is the stack named Gantry-dev-Service-pricing in infra/src/gantry-app.ts?)`,
    ]);
  });
});

describe('checkTemplates on the real CDK app', () => {
  it('passes on a real `cdk synth` that pins hello to its new digest, and fails when the plan expects another', async () => {
    const root = join(__dirname, '../../..');
    const pinned = [{ service: 'hello', image: `0.2.0@${digest(2)}` }];
    const synth = await runCdk(root, ['synth', '--quiet', '--output', out, ...imageContext(pinned)], process.env);
    expect(synth.code).toBe(0);
    expect(checkTemplates(out, helloPlan, loadCatalog(root), 'dev')).toEqual([]);
    const other: DeployPlan = {
      platformStacks: ['Gantry-dev-Network', 'Gantry-dev-Platform'],
      services: [{ ...helloPlan.services[0], version: '0.3.0', digest: digest(3) }],
    };
    expect(checkTemplates(out, other, loadCatalog(root), 'dev')).toEqual([
      `Gantry-dev-Service-hello: runs ${digest(2)}, expected 0.3.0 at ${digest(3)}`,
    ]);
  }, 120_000);
});
