import { App, Duration, Errors, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { ServiceAlarms, type ServiceAlarmsProps } from './service-alarms';

/** A fresh stack with a target group behind an ALB listener: its metrics need the load balancer's name. */
function build(overrides: Partial<ServiceAlarmsProps> = {}) {
  const stack = new Stack(new App(), 'Test');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const listener = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc }).addListener('Http', {
    port: 80,
    open: false,
  });
  const targetGroup = listener.addTargets('Orders', { port: 3103, protocol: elbv2.ApplicationProtocol.HTTP });
  const alarms = new ServiceAlarms(stack, 'Alarms', { targetGroup, serviceName: 'orders', ...overrides });
  return { alarms, template: Template.fromStack(stack) };
}

describe('ServiceAlarms', () => {
  it('alarms on target 5xx, unhealthy hosts and p99 latency, each described with the service name', () => {
    // GIVEN the default thresholds
    // WHEN the construct is synthesized
    const { alarms, template } = build();

    // THEN there are exactly the three target-group alarms, ignoring missing data
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    expect(alarms.alarms).toEqual([alarms.target5xx, alarms.unhealthyHosts, alarms.latency]);
    template.hasResourceProperties(
      'AWS::CloudWatch::Alarm',
      Match.objectLike({
        AlarmDescription: 'orders: targets answered 5xx',
        MetricName: 'HTTPCode_Target_5XX_Count',
        Statistic: 'Sum',
        Threshold: 5,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        TreatMissingData: 'notBreaching',
      }),
    );
    template.hasResourceProperties(
      'AWS::CloudWatch::Alarm',
      Match.objectLike({
        AlarmDescription: 'orders: unhealthy targets',
        MetricName: 'UnHealthyHostCount',
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 1,
      }),
    );
    template.hasResourceProperties(
      'AWS::CloudWatch::Alarm',
      Match.objectLike({
        AlarmDescription: 'orders: p99 target response time over 1 s',
        MetricName: 'TargetResponseTime',
        ExtendedStatistic: 'p99',
        Threshold: 1,
        EvaluationPeriods: 5,
        DatapointsToAlarm: 3,
      }),
    );
  });

  it('watches the given target group behind its load balancer', () => {
    // GIVEN / WHEN the default alarms
    const { template } = build();

    // THEN every alarm's dimensions name the target group and the load balancer
    template.allResourcesProperties(
      'AWS::CloudWatch::Alarm',
      Match.objectLike({
        Dimensions: Match.arrayWith([
          Match.objectLike({ Name: 'LoadBalancer' }),
          Match.objectLike({
            Name: 'TargetGroup',
            Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AlbHttpOrdersGroup'), 'TargetGroupFullName'] },
          }),
        ]),
      }),
    );
  });

  it('takes tighter thresholds when given', () => {
    // GIVEN 10 5xx per minute and a 500 ms p99
    // WHEN the construct is synthesized
    const { template } = build({ target5xxPerMinute: 10, p99Latency: Duration.millis(500) });

    // THEN the thresholds and the latency description follow
    template.hasResourceProperties(
      'AWS::CloudWatch::Alarm',
      Match.objectLike({ MetricName: 'HTTPCode_Target_5XX_Count', Threshold: 10 }),
    );
    template.hasResourceProperties(
      'AWS::CloudWatch::Alarm',
      Match.objectLike({
        AlarmDescription: 'orders: p99 target response time over 0.5 s',
        Threshold: 0.5,
      }),
    );
  });

  it('throws a ValidationError naming the prop for a threshold that could never alarm or always would', () => {
    // GIVEN / WHEN zero thresholds / THEN each throws naming its prop
    expect(() => build({ target5xxPerMinute: 0 })).toThrow(
      /props\.target5xxPerMinute must be a positive integer, got 0/,
    );
    expect(() => build({ p99Latency: Duration.seconds(0) })).toThrow(/props\.p99Latency must be longer than zero/);
    let error: unknown;
    try {
      build({ target5xxPerMinute: 1.5 });
    } catch (caught) {
      error = caught;
    }
    expect(Errors.isValidationError(error)).toBe(true);
  });
});
