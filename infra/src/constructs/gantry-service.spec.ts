import { App, Errors, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { sampleEntry } from '@gantry/service-catalog/testing';
import type { PlatformPieces } from '../platform-stack';
import {
  DRAIN_TIMEOUT_SECONDS,
  GantryService,
  IMAGE_VERSION_LABEL,
  parsePinnedImage,
  SHUTDOWN_DELAY_SECONDS,
  type GantryServiceProps,
} from './gantry-service';

const HEX = 'a'.repeat(64);
const DIGEST = `sha256:${HEX}`;

/** A fresh stack holding a minimal shared platform (VPC, cluster, ALB listener), as PlatformStack provides it. */
function platformStack(): { stack: Stack; platform: PlatformPieces } {
  const stack = new Stack(new App(), 'Test');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const albSecurityGroup = new ec2.SecurityGroup(stack, 'AlbSg', { vpc });
  const alb = new elbv2.ApplicationLoadBalancer(stack, 'Alb', {
    vpc,
    internetFacing: true,
    securityGroup: albSecurityGroup,
  });
  const listener = alb.addListener('Http', {
    port: 80,
    open: false,
    defaultAction: elbv2.ListenerAction.fixedResponse(404),
  });
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
  return { stack, platform: { vpc, cluster, listener, albSecurityGroup, url: 'http://alb.example.com' } };
}

function build(overrides: Partial<GantryServiceProps> = {}) {
  const { stack, platform } = platformStack();
  const gantry = new GantryService(stack, 'Orders', {
    entry: sampleEntry('orders', 3, { minTasks: 2, maxTasks: 5 }),
    platform,
    envName: 'dev',
    ...overrides,
  });
  return { stack, gantry, template: Template.fromStack(stack) };
}

/** The container's `Image` as CloudFormation gets it: `<account>.dkr.ecr.<region>.<suffix>/gantry/orders<rest>`. */
const ecrImage = (...rest: unknown[]) => ({
  'Fn::Join': [
    '',
    [{ Ref: 'AWS::AccountId' }, '.dkr.ecr.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, ...rest],
  ],
});

/** The logical ID of the stack parameter that reads `/gantry/dev/images/orders` from SSM. */
function imageParameter(template: Template): string {
  const found = Object.entries(template.toJSON().Parameters ?? {}).find(
    ([, parameter]) => (parameter as { Default?: string }).Default === '/gantry/dev/images/orders',
  );
  if (!found) throw new Error('no image parameter');
  return found[0];
}

/** ECR pull rights on gantry/orders, as fromEcrRepository and grantPull give them to the execution role. */
const pullGrant = Match.objectLike({
  PolicyDocument: Match.objectLike({
    Statement: Match.arrayWith([
      Match.objectLike({
        Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
        Resource: { 'Fn::Join': ['', Match.arrayWith([':repository/gantry/orders'])] },
      }),
    ]),
  }),
});

describe('GantryService', () => {
  it('routes the service path patterns at the catalog priority to a target group health-checking the catalog health path', () => {
    // GIVEN the "orders" entry (priority 30, port 3103)
    // WHEN the construct is synthesized
    const { template } = build({ image: '1.2.3' });

    // THEN one listener rule forwards /orders and /orders/* to an IP target group on 3103
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::ListenerRule', 1);
    template.hasResourceProperties(
      'AWS::ElasticLoadBalancingV2::ListenerRule',
      Match.objectLike({
        Priority: 30,
        Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/orders', '/orders/*'] } }],
      }),
    );
    template.hasResourceProperties(
      'AWS::ElasticLoadBalancingV2::TargetGroup',
      Match.objectLike({
        HealthCheckPath: '/orders/ready',
        Port: 3103,
        TargetType: 'ip',
        TargetGroupAttributes: Match.arrayWith([
          {
            Key: 'deregistration_delay.timeout_seconds',
            Value: String(SHUTDOWN_DELAY_SECONDS + DRAIN_TIMEOUT_SECONDS),
          },
        ]),
      }),
    );
  });

  it('runs the task count within the catalog bounds, scaling on CPU and requests', () => {
    // GIVEN an entry with 2 to 5 tasks
    // WHEN the construct is synthesized
    const { template } = build({ image: '1.2.3' });

    // THEN the service sets no desired count (autoscaling owns it) and the scalable target spans the bounds
    template.hasResourceProperties(
      'AWS::ECS::Service',
      Match.objectLike({
        DesiredCount: Match.absent(),
        EnableExecuteCommand: false,
        DeploymentConfiguration: Match.objectLike({ DeploymentCircuitBreaker: { Enable: true, Rollback: true } }),
      }),
    );
    template.hasResourceProperties(
      'AWS::ApplicationAutoScaling::ScalableTarget',
      Match.objectLike({ MinCapacity: 2, MaxCapacity: 5 }),
    );
    template.resourceCountIs('AWS::ApplicationAutoScaling::ScalingPolicy', 2);
  });

  it('runs <repository>@<digest> for a pinned <version>@sha256 image, labelled and tagged with the version', () => {
    // GIVEN the image the pipeline passes, 1.2.3@sha256:aaa…
    // WHEN the construct is synthesized
    const { template } = build({ image: `1.2.3@${DIGEST}` });

    // THEN the container pulls gantry/orders by digest, and the version is its docker label and a task definition tag
    template.hasResourceProperties(
      'AWS::ECS::TaskDefinition',
      Match.objectLike({
        ContainerDefinitions: [
          Match.objectLike({
            Image: ecrImage(`/gantry/orders@${DIGEST}`),
            DockerLabels: { [IMAGE_VERSION_LABEL]: '1.2.3' },
          }),
        ],
        Tags: Match.arrayWith([{ Key: IMAGE_VERSION_LABEL, Value: '1.2.3' }]),
      }),
    );
    // AND the execution role may pull from gantry/orders; the construct creates no repository (the pipeline stack does)
    template.hasResourceProperties('AWS::IAM::Policy', pullGrant);
    template.resourceCountIs('AWS::ECR::Repository', 0);
  });

  it('runs <repository>:<tag> for a plain pinned tag, labelled with the tag', () => {
    // GIVEN a tag a human pins by hand, 0.2.0
    // WHEN the construct is synthesized
    const { template } = build({ image: '0.2.0' });

    // THEN the container pulls gantry/orders:0.2.0 and the stack reads no image parameter from SSM
    template.hasResourceProperties(
      'AWS::ECS::TaskDefinition',
      Match.objectLike({
        ContainerDefinitions: [
          Match.objectLike({
            Image: ecrImage('/gantry/orders:0.2.0'),
            DockerLabels: { [IMAGE_VERSION_LABEL]: '0.2.0' },
          }),
        ],
      }),
    );
    expect(Object.keys(template.toJSON().Parameters ?? {})).toEqual(['BootstrapVersion']);
    template.hasResourceProperties('AWS::IAM::Policy', pullGrant);
  });

  it('without an image, splits the SSM record <version>@<digest> in CloudFormation and runs the digest', () => {
    // GIVEN no image: the stack reads /gantry/dev/images/orders at deploy time
    // WHEN the construct is synthesized
    const { template } = build();
    const record = { 'Fn::Split': ['@', { Ref: imageParameter(template) }] };

    // THEN the image is "<repository>@" joined with the part after "@", and the version is the part before it
    template.hasResourceProperties(
      'AWS::ECS::TaskDefinition',
      Match.objectLike({
        ContainerDefinitions: [
          Match.objectLike({
            Image: ecrImage('/gantry/orders@', { 'Fn::Select': [1, record] }),
            DockerLabels: { [IMAGE_VERSION_LABEL]: { 'Fn::Select': [0, record] } },
          }),
        ],
        Tags: Match.arrayWith([{ Key: IMAGE_VERSION_LABEL, Value: { 'Fn::Select': [0, record] } }]),
      }),
    );
    // AND the execution role may still pull from gantry/orders, though the image URI is built by hand
    template.hasResourceProperties('AWS::IAM::Policy', pullGrant);
  });

  it('exposes its children, so stacks can wire alarms and acknowledgements to them', () => {
    // GIVEN / WHEN a service
    const { stack, gantry, template } = build({ image: '1.2.3' });

    // THEN the exposed listener rule and task security group are the ones in the template
    const [ruleId] = Object.keys(template.findResources('AWS::ElasticLoadBalancingV2::ListenerRule'));
    const [groupId] = Object.keys(
      template.findResources('AWS::EC2::SecurityGroup', {
        Properties: { GroupDescription: 'orders tasks: only the ALB on port 3103' },
      }),
    );
    expect(stack.resolve(gantry.listenerRule.listenerRuleArn)).toEqual({ Ref: ruleId });
    expect(stack.resolve(gantry.securityGroup.securityGroupId)).toEqual({ 'Fn::GetAtt': [groupId, 'GroupId'] });
    expect(gantry.container.containerPort).toBe(3103);
  });

  it('throws a ValidationError naming props.image for "latest" or anything but <version>@sha256:<64 hex> or a tag', () => {
    // GIVEN / WHEN latest (as a tag or a version), a short, upper-case or bare digest, or a slash
    // THEN each throws, naming the prop and the value
    expect(() => build({ image: 'latest' })).toThrow(/props\.image "latest" is not a pinned image/);
    expect(() => build({ image: `latest@${DIGEST}` })).toThrow(
      /props\.image "latest@sha256:a{64}" is not a pinned image/,
    );
    expect(() => build({ image: '1.2.3@sha256:abc' })).toThrow(
      /props\.image "1\.2\.3@sha256:abc" is not a pinned image/,
    );
    expect(() => build({ image: `1.2.3@sha256:${HEX.toUpperCase()}` })).toThrow(
      /props\.image "1\.2\.3@sha256:A{64}" is not/,
    );
    expect(() => build({ image: DIGEST })).toThrow(/props\.image "sha256:a{64}" is not a pinned image/);
    expect(() => build({ image: 'a/b' })).toThrow(/props\.image "a\/b" is not a pinned image/);
    let error: unknown;
    try {
      build({ image: 'latest' });
    } catch (caught) {
      error = caught;
    }
    expect(Errors.isValidationError(error)).toBe(true);
  });

  it('parses the two pinned forms, and nothing else', () => {
    // GIVEN / WHEN / THEN a digest reference keeps both parts, a tag is its own version, latest is refused
    expect(parsePinnedImage(`0.2.0@${DIGEST}`)).toEqual({ version: '0.2.0', digest: DIGEST });
    expect(parsePinnedImage('sha-abc123')).toEqual({ version: 'sha-abc123' });
    expect(parsePinnedImage('latest')).toBeUndefined();
    expect(parsePinnedImage(`0.2.0@${DIGEST}@${DIGEST}`)).toBeUndefined();
  });
});
