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
  SHUTDOWN_DELAY_SECONDS,
  type GantryServiceProps,
} from './gantry-service';

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

const image = (template: Template) =>
  JSON.stringify(
    Object.values(template.findResources('AWS::ECS::TaskDefinition'))[0].Properties.ContainerDefinitions[0].Image,
  );

describe('GantryService', () => {
  it('routes the service path patterns at the catalog priority to a target group health-checking the catalog health path', () => {
    // GIVEN the "orders" entry (priority 30, port 3103)
    // WHEN the construct is synthesized
    const { template } = build({ imageTag: '1.2.3' });

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
    const { template } = build({ imageTag: '1.2.3' });

    // THEN the service starts at the minimum and the scalable target spans the bounds
    template.hasResourceProperties(
      'AWS::ECS::Service',
      Match.objectLike({
        DesiredCount: 2,
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

  it('pulls the pinned tag from gantry/<name>, or the tag recorded in SSM when none is given', () => {
    // GIVEN one service with tag 1.2.3 and one without
    const pinned = build({ imageTag: '1.2.3' });
    const recorded = build();

    // WHEN / THEN the first image is gantry/orders:1.2.3, the second reads /gantry/dev/images/orders
    expect(image(pinned.template)).toMatch(/gantry\/orders:1\.2\.3/);
    expect(Object.values(recorded.template.toJSON().Parameters ?? {})).toContainEqual(
      expect.objectContaining({ Default: '/gantry/dev/images/orders' }),
    );
    // AND the construct creates no repository: the pipeline stack owns it
    pinned.template.resourceCountIs('AWS::ECR::Repository', 0);
  });

  it('exposes its children, so stacks can wire alarms and acknowledgements to them', () => {
    // GIVEN / WHEN a service
    const { stack, gantry, template } = build({ imageTag: '1.2.3' });

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

  it('throws a ValidationError naming props.imageTag for "latest" or a malformed tag', () => {
    // GIVEN / WHEN a service with tag latest, or with a slash in the tag / THEN each throws naming the prop
    expect(() => build({ imageTag: 'latest' })).toThrow(/props\.imageTag "latest" is not a valid pinned tag/);
    expect(() => build({ imageTag: 'a/b' })).toThrow(/props\.imageTag "a\/b" is not a valid pinned tag/);
    let error: unknown;
    try {
      build({ imageTag: 'latest' });
    } catch (caught) {
      error = caught;
    }
    expect(Errors.isValidationError(error)).toBe(true);
  });
});
