import { App, Errors, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as sns from 'aws-cdk-lib/aws-sns';
import { PlatformDashboard, type PlatformDashboardProps } from './platform-dashboard';

function build(overrides: Partial<PlatformDashboardProps> = {}) {
  const stack = new Stack(new App(), 'Test');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const alarmTopic = new sns.Topic(stack, 'Topic');
  const dashboard = new PlatformDashboard(stack, 'Dashboard', {
    dashboardName: 'Gantry-dev-Platform',
    alb: new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc }),
    cluster: new ecs.Cluster(stack, 'Cluster', { vpc }),
    alarmTopic,
    ...overrides,
  });
  return { stack, dashboard, alarmTopic, template: Template.fromStack(stack) };
}

describe('PlatformDashboard', () => {
  it('builds one dashboard with the given name over the ALB, the cluster and the topic', () => {
    // GIVEN / WHEN a platform dashboard
    const { stack, dashboard, template } = build();

    // THEN the one dashboard is the exposed one, and shows the three sections
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', {
      DashboardName: 'Gantry-dev-Platform',
      DashboardBody: Match.anyValue(),
    });
    const [id] = Object.keys(template.findResources('AWS::CloudWatch::Dashboard'));
    expect(stack.resolve(dashboard.dashboard.dashboardName)).toEqual({ Ref: id });
    const body = JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]);
    for (const title of ['Gantry platform', 'Shared ALB', 'ECS cluster', 'Alarm topic', 'HTTPCode_ELB_5XX_Count']) {
      expect(body).toContain(title);
    }
  });

  it('alarms through SnsAlarmActionStrategy when the ALB itself answers 5xx, at the given threshold', () => {
    // GIVEN a threshold of 3 a minute
    // WHEN the dashboard is built
    const { stack, alarmTopic, template } = build({ elb5xxPerMinute: 3 });

    // THEN one alarm watches HTTPCode_ELB_5XX_Count and notifies the topic on ALARM and OK
    const topic = stack.resolve(alarmTopic.topicArn);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 1);
    template.hasResourceProperties(
      'AWS::CloudWatch::Alarm',
      Match.objectLike({
        AlarmName: 'Gantry-dev-Platform-Alb-Elb5xx-Critical',
        Threshold: 3,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [topic],
        OKActions: [topic],
      }),
    );
  });

  it('throws a ValidationError naming the prop for a threshold that is not a positive integer', () => {
    // GIVEN / WHEN / THEN
    let error: unknown;
    try {
      build({ elb5xxPerMinute: 0 });
    } catch (caught) {
      error = caught;
    }
    expect(Errors.isValidationError(error)).toBe(true);
    expect((error as Error).message).toMatch(/props\.elb5xxPerMinute must be a positive integer, got 0/);
  });
});
