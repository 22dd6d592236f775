import { App, Duration, Errors, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as sns from 'aws-cdk-lib/aws-sns';
import { MIN_REQUESTS_FOR_5XX_RATE, ServiceAlarms, type ServiceAlarmsProps } from './service-alarms';

/** A fresh stack with a blue/green pair of target groups behind an ALB listener: their metrics need the ALB's name. */
function build(overrides: Partial<ServiceAlarmsProps> = {}) {
  const stack = new Stack(new App(), 'Test');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const listener = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc }).addListener('Http', {
    port: 80,
    open: false,
  });
  const blue = listener.addTargets('Orders', { port: 3103, protocol: elbv2.ApplicationProtocol.HTTP });
  const green = new elbv2.ApplicationTargetGroup(stack, 'Green', {
    vpc,
    port: 3103,
    protocol: elbv2.ApplicationProtocol.HTTP,
  });
  listener.addTargetGroups('Green', {
    targetGroups: [green],
    priority: 5,
    conditions: [elbv2.ListenerCondition.pathPatterns(['/x'])],
  });
  const topic = new sns.Topic(stack, 'Topic');
  const alarms = new ServiceAlarms(stack, 'Alarms', {
    targetGroups: [blue, green],
    serviceName: 'orders',
    alarmTopic: topic,
    ...overrides,
  });
  return { stack, alarms, topic, template: Template.fromStack(stack) };
}

interface AlarmMetric {
  Id: string;
  MetricStat?: { Metric: { MetricName: string } };
}

/** The metric ids an alarm's math expression reads, by metric name. */
function metricIds(alarm: { Properties?: { Metrics?: AlarmMetric[] } }): Record<string, string> {
  return Object.fromEntries(
    (alarm.Properties?.Metrics ?? []).flatMap((m) => (m.MetricStat ? [[m.Id, m.MetricStat.Metric.MetricName]] : [])),
  );
}

describe('ServiceAlarms', () => {
  it('alarms on the 5xx rate over both target groups, ignoring a handful of requests', () => {
    // GIVEN the default thresholds
    // WHEN the construct is synthesized
    const { alarms, template } = build();

    // THEN there are three alarms, and the 5xx one is the share of requests both groups answered 5xx, over 5%
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    expect(alarms.alarms).toEqual([alarms.target5xx, alarms.unhealthyHosts, alarms.latency]);
    template.hasResourceProperties(
      'AWS::CloudWatch::Alarm',
      Match.objectLike({
        AlarmDescription: 'orders: over 5% of requests answered 5xx by the targets',
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 5,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        TreatMissingData: 'notBreaching',
        Metrics: Match.arrayWith([
          Match.objectLike({
            Expression: `IF((FILL(r0, 0) + FILL(r1, 0)) >= ${MIN_REQUESTS_FOR_5XX_RATE}, 100 * (FILL(e0, 0) + FILL(e1, 0)) / (FILL(r0, 0) + FILL(r1, 0)), 0)`,
            ReturnData: true,
          }),
        ]),
      }),
    );
    const [rate] = Object.values(
      template.findResources('AWS::CloudWatch::Alarm', {
        Properties: { AlarmDescription: Match.stringLikeRegexp('5xx') },
      }),
    );
    expect(metricIds(rate)).toEqual({
      e0: 'HTTPCode_Target_5XX_Count',
      e1: 'HTTPCode_Target_5XX_Count',
      r0: 'RequestCount',
      r1: 'RequestCount',
    });
  });

  it('alarms on the worst p99 latency and the most unhealthy targets of either group', () => {
    // GIVEN / WHEN the default alarms
    const { template } = build();

    // THEN latency is MAX of both groups' p99 over 1 s, and unhealthy hosts MAX of both groups' counts, at least 1
    template.hasResourceProperties(
      'AWS::CloudWatch::Alarm',
      Match.objectLike({
        AlarmDescription: 'orders: p99 target response time over 1 s',
        Threshold: 1,
        EvaluationPeriods: 5,
        DatapointsToAlarm: 3,
        Metrics: Match.arrayWith([Match.objectLike({ Expression: 'MAX([p0, p1])' })]),
      }),
    );
    template.hasResourceProperties(
      'AWS::CloudWatch::Alarm',
      Match.objectLike({
        AlarmDescription: 'orders: unhealthy targets',
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 1,
        Metrics: Match.arrayWith([Match.objectLike({ Expression: 'MAX([u0, u1])' })]),
      }),
    );
  });

  it('watches each target group behind its load balancer', () => {
    // GIVEN / WHEN the default alarms
    const { template } = build();

    // THEN the first series of every alarm reads the blue group, the second the green one
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      const groups = alarm.Properties.Metrics.filter((m: { MetricStat?: unknown }) => m.MetricStat).map(
        (m: { MetricStat: { Metric: { Dimensions: Array<{ Name: string; Value: unknown }> } } }) =>
          m.MetricStat.Metric.Dimensions.find((d) => d.Name === 'TargetGroup')?.Value,
      );
      expect(JSON.stringify(groups)).toMatch(/AlbHttpOrdersGroup.*Green/);
    }
  });

  it('notifies the topic when an alarm fires and when it clears', () => {
    // GIVEN / WHEN alarms with the platform topic
    const { stack, topic, template } = build();

    // THEN every alarm's ALARM and OK actions are the topic
    template.allResourcesProperties(
      'AWS::CloudWatch::Alarm',
      Match.objectLike({ AlarmActions: [stack.resolve(topic.topicArn)], OKActions: [stack.resolve(topic.topicArn)] }),
    );
  });

  it('names the alarms from the prefix, and gives ECS the 5xx and latency alarms by those names', () => {
    // GIVEN a prefix
    // WHEN the construct is synthesized
    const { alarms, template } = build({ alarmNamePrefix: 'Gantry-dev-Service-orders' });

    // THEN the alarms carry the names, and the deployment alarms are the plain strings (no reference to resolve)
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'Gantry-dev-Service-orders-target-5xx' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'Gantry-dev-Service-orders-p99-latency' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'Gantry-dev-Service-orders-unhealthy-targets',
    });
    expect(alarms.deploymentAlarmNames).toEqual([
      'Gantry-dev-Service-orders-target-5xx',
      'Gantry-dev-Service-orders-p99-latency',
    ]);
    expect(alarms.deploymentAlarms).toEqual([alarms.target5xx, alarms.latency]);
  });

  it('takes tighter thresholds when given', () => {
    // GIVEN 1% 5xx and a 500 ms p99
    // WHEN the construct is synthesized
    const { template } = build({ target5xxPercent: 1, p99Latency: Duration.millis(500) });

    // THEN the thresholds and the descriptions follow
    template.hasResourceProperties(
      'AWS::CloudWatch::Alarm',
      Match.objectLike({ AlarmDescription: 'orders: over 1% of requests answered 5xx by the targets', Threshold: 1 }),
    );
    template.hasResourceProperties(
      'AWS::CloudWatch::Alarm',
      Match.objectLike({ AlarmDescription: 'orders: p99 target response time over 0.5 s', Threshold: 0.5 }),
    );
  });

  it('throws a ValidationError naming the prop for a threshold that could never alarm or always would', () => {
    // GIVEN / WHEN bad thresholds or no target group / THEN each throws naming its prop
    expect(() => build({ target5xxPercent: 0 })).toThrow(
      /props\.target5xxPercent must be above 0 and at most 100, got 0/,
    );
    expect(() => build({ target5xxPercent: 101 })).toThrow(/props\.target5xxPercent .* got 101/);
    expect(() => build({ p99Latency: Duration.seconds(0) })).toThrow(/props\.p99Latency must be longer than zero/);
    expect(() => build({ targetGroups: [] })).toThrow(/props\.targetGroups must name at least one target group/);
    let error: unknown;
    try {
      build({ target5xxPercent: -1 });
    } catch (caught) {
      error = caught;
    }
    expect(Errors.isValidationError(error)).toBe(true);
  });
});
