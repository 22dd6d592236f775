import { Duration, ValidationError } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import { errorName } from '../errors';

export interface ServiceAlarmsProps {
  /** The service's target group on the shared ALB; every alarm watches its metrics. */
  readonly targetGroup: elbv2.IApplicationTargetGroup;
  /** The service's catalog name, first in each alarm description. */
  readonly serviceName: string;
  /**
   * Target 5xx answers per minute that count as breaching (2 of 3 minutes raise the alarm).
   * @default 5
   */
  readonly target5xxPerMinute?: number;
  /**
   * p99 target response time that counts as breaching (3 of 5 minutes raise the alarm).
   * @default Duration.seconds(1)
   */
  readonly p99Latency?: Duration;
}

/** The alarms every service gets from its target group: 5xx answers, unhealthy targets, p99 latency. */
export class ServiceAlarms extends Construct {
  public readonly target5xx: cloudwatch.Alarm;
  public readonly unhealthyHosts: cloudwatch.Alarm;
  public readonly latency: cloudwatch.Alarm;
  /** All three, for wiring actions (SNS, a dashboard) in one loop. */
  public readonly alarms: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: ServiceAlarmsProps) {
    super(scope, id);
    const max5xx = props.target5xxPerMinute ?? 5;
    const latency = props.p99Latency ?? Duration.seconds(1);
    if (!Number.isInteger(max5xx) || max5xx < 1) {
      throw new ValidationError(
        errorName('ServiceAlarmsTarget5xx'),
        `ServiceAlarms "${props.serviceName}": props.target5xxPerMinute must be a positive integer, got ${max5xx}`,
        this,
      );
    }
    const latencySeconds = latency.toMilliseconds() / 1000;
    if (latencySeconds <= 0) {
      throw new ValidationError(
        errorName('ServiceAlarmsP99Latency'),
        `ServiceAlarms "${props.serviceName}": props.p99Latency must be longer than zero`,
        this,
      );
    }

    const metrics = props.targetGroup.metrics;
    const minute = { period: Duration.minutes(1) };
    // Missing data means no traffic, which is not an outage.
    const notBreaching = cloudwatch.TreatMissingData.NOT_BREACHING;
    this.target5xx = new cloudwatch.Alarm(this, 'Target5xx', {
      alarmDescription: `${props.serviceName}: targets answered 5xx`,
      metric: metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { ...minute, statistic: 'Sum' }),
      threshold: max5xx,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: notBreaching,
    });
    this.unhealthyHosts = new cloudwatch.Alarm(this, 'UnhealthyHosts', {
      alarmDescription: `${props.serviceName}: unhealthy targets`,
      metric: metrics.unhealthyHostCount({ ...minute, statistic: 'Maximum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      treatMissingData: notBreaching,
    });
    this.latency = new cloudwatch.Alarm(this, 'Latency', {
      alarmDescription: `${props.serviceName}: p99 target response time over ${latencySeconds} s`,
      metric: metrics.targetResponseTime({ ...minute, statistic: 'p99' }),
      threshold: latencySeconds,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: notBreaching,
    });
    this.alarms = [this.target5xx, this.unhealthyHosts, this.latency];
  }
}
