import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ServiceDashboard } from './service-dashboard';

function build(withHook: boolean) {
  const stack = new Stack(new App(), 'Test');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const listener = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc }).addListener('Http', {
    port: 80,
    open: false,
  });
  const taskDefinition = new ecs.FargateTaskDefinition(stack, 'Task');
  taskDefinition.addContainer('app', {
    image: ecs.ContainerImage.fromRegistry('nginx'),
    portMappings: [{ containerPort: 80 }],
  });
  const service = new ecs.FargateService(stack, 'Service', {
    cluster: new ecs.Cluster(stack, 'Cluster', { vpc }),
    taskDefinition,
    minHealthyPercent: 100,
  });
  const blue = listener.addTargets('Blue', { port: 80, targets: [service] });
  const alarm = new cloudwatch.Alarm(stack, 'Alarm', {
    metric: blue.metrics.requestCount(),
    threshold: 1,
    evaluationPeriods: 1,
  });
  const hook = withHook
    ? new lambda.Function(stack, 'Hook', {
        runtime: lambda.Runtime.NODEJS_24_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline('exports.handler = async () => ({ hookStatus: "SUCCEEDED" })'),
      })
    : undefined;
  new ServiceDashboard(stack, 'Dashboard', {
    dashboardName: 'Gantry-dev-Service-orders',
    serviceName: 'orders',
    service,
    targetGroups: [blue],
    alarms: [alarm],
    testTrafficCheck: hook,
  });
  const template = Template.fromStack(stack);
  return { body: JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]), template };
}

describe('ServiceDashboard', () => {
  it('builds one dashboard with the given name: the alarms, the traffic per target group, the tasks and the hook', () => {
    // GIVEN / WHEN a service with a deployment hook
    const { body, template } = build(true);

    // THEN the one dashboard carries the name and every section
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'Gantry-dev-Service-orders' });
    for (const text of [
      'Alarms',
      'orders through the ALB',
      'primary target group',
      'orders tasks',
      'check before production traffic',
    ]) {
      expect(body).toContain(text);
    }
    // AND the dashboard creates no alarm of its own
    template.resourceCountIs('AWS::CloudWatch::Alarm', 1);
  });

  it('leaves the hook section out for a service without a hook', () => {
    // GIVEN / WHEN a service with no hook / THEN there is no hook section
    expect(build(false).body).not.toContain('check before production traffic');
  });
});
