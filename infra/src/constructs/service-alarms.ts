import { Duration, ValidationError } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { errorName } from '../errors';

export interface ServiceAlarmsProps {
  /**
   * The service's target groups on the shared ALB: the blue/green pair. ECS moves the tasks between them from one
   * deployment to the next, so every alarm watches them together and follows the tasks wherever they run.
   */
  readonly targetGroups: readonly elbv2.IApplicationTargetGroup[];
  /** The service's catalog name, first in each alarm description. */
  readonly serviceName: string;
  /**
   * Alarm names start with this (e.g. `Gantry-dev-Service-orders-target-5xx`), so ECS can name its deployment alarms
   * as plain strings.
   * @default - names CloudFormation generates
   */
  readonly alarmNamePrefix?: string;
  /**
   * The topic each alarm notifies when it goes into ALARM and back to OK.
   * @default - no notification
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Share of requests answered 5xx by the targets, in percent, that counts as breaching (2 of 3 minutes raise the alarm).
   * @default 5
   */
  readonly target5xxPercent?: number;
  /**
   * p99 target response time that counts as breaching (3 of 5 minutes raise the alarm).
   * @default Duration.seconds(1)
   */
  readonly p99Latency?: Duration;
}

/** Below this many requests a minute, the 5xx rate counts as 0: two errors in three requests are not an outage. */
export const MIN_REQUESTS_FOR_5XX_RATE = 10;

/**
 * The alarms every service gets from its target groups: the target 5xx rate, unhealthy targets and p99 latency.
 * The 5xx rate and latency alarms also roll a deployment back (`deploymentAlarms`).
 */
export class ServiceAlarms extends Construct {
  public readonly target5xx: cloudwatch.Alarm;
  public readonly unhealthyHosts: cloudwatch.Alarm;
  public readonly latency: cloudwatch.Alarm;
  /** All three, for wiring actions (SNS, a dashboard) in one loop. */
  public readonly alarms: readonly cloudwatch.Alarm[];
  /** The alarms ECS watches during a deployment and its bake time, rolling back when one fires. */
  public readonly deploymentAlarms: readonly cloudwatch.Alarm[];
  /**
   * Their names, for `enableDeploymentAlarms`: plain strings with `alarmNamePrefix`, so the service references no
   * alarm resource (a reference would become a dependency cycle as soon as an alarm watched the service).
   */
  public readonly deploymentAlarmNames: readonly string[];

  constructor(scope: Construct, id: string, props: ServiceAlarmsProps) {
    super(scope, id);
    const percent = props.target5xxPercent ?? 5;
    const latency = props.p99Latency ?? Duration.seconds(1);
    if (!props.targetGroups || props.targetGroups.length === 0) {
      throw new ValidationError(
        errorName('ServiceAlarmsTargetGroups'),
        `ServiceAlarms "${props.serviceName}": props.targetGroups must name at least one target group`,
        this,
      );
    }
    if (!(percent > 0 && percent <= 100)) {
      throw new ValidationError(
        errorName('ServiceAlarmsTarget5xx'),
        `ServiceAlarms "${props.serviceName}": props.target5xxPercent must be above 0 and at most 100, got ${percent}`,
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

    const minute = Duration.minutes(1);
    const name = (suffix: string) => (props.alarmNamePrefix ? `${props.alarmNamePrefix}-${suffix}` : undefined);
    // One metric per target group (`e0`, `e1`, …), combined by metric math into one series.
    const metrics = (prefix: string, metric: (group: elbv2.IApplicationTargetGroup) => cloudwatch.IMetric) =>
      Object.fromEntries(props.targetGroups.map((group, index) => [`${prefix}${index}`, metric(group)]));
    const sum = (prefix: string) => props.targetGroups.map((_, index) => `FILL(${prefix}${index}, 0)`).join(' + ');
    const list = (prefix: string) => `[${props.targetGroups.map((_, index) => `${prefix}${index}`).join(', ')}]`;

    // Missing data means no traffic, which is not an outage.
    const notBreaching = cloudwatch.TreatMissingData.NOT_BREACHING;
    this.target5xx = new cloudwatch.Alarm(this, 'Target5xx', {
      alarmName: name('target-5xx'),
      alarmDescription: `${props.serviceName}: over ${percent}% of requests answered 5xx by the targets`,
      metric: new cloudwatch.MathExpression({
        expression: `IF((${sum('r')}) >= ${MIN_REQUESTS_FOR_5XX_RATE}, 100 * (${sum('e')}) / (${sum('r')}), 0)`,
        usingMetrics: {
          ...metrics('e', (group) =>
            group.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period: minute, statistic: 'Sum' }),
          ),
          ...metrics('r', (group) => group.metrics.requestCount({ period: minute, statistic: 'Sum' })),
        },
        label: 'Target 5xx (% of requests)',
        period: minute,
      }),
      threshold: percent,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: notBreaching,
    });
    this.unhealthyHosts = new cloudwatch.Alarm(this, 'UnhealthyHosts', {
      alarmName: name('unhealthy-targets'),
      alarmDescription: `${props.serviceName}: unhealthy targets`,
      metric: new cloudwatch.MathExpression({
        expression: `MAX(${list('u')})`,
        usingMetrics: metrics('u', (group) =>
          group.metrics.unhealthyHostCount({ period: minute, statistic: 'Maximum' }),
        ),
        label: 'Unhealthy targets',
        period: minute,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      treatMissingData: notBreaching,
    });
    this.latency = new cloudwatch.Alarm(this, 'Latency', {
      alarmName: name('p99-latency'),
      alarmDescription: `${props.serviceName}: p99 target response time over ${latencySeconds} s`,
      metric: new cloudwatch.MathExpression({
        expression: `MAX(${list('p')})`,
        usingMetrics: metrics('p', (group) => group.metrics.targetResponseTime({ period: minute, statistic: 'p99' })),
        label: 'p99 target response time (s)',
        period: minute,
      }),
      threshold: latencySeconds,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: notBreaching,
    });
    this.alarms = [this.target5xx, this.unhealthyHosts, this.latency];
    this.deploymentAlarms = [this.target5xx, this.latency];
    this.deploymentAlarmNames = [
      name('target-5xx') ?? this.target5xx.alarmName,
      name('p99-latency') ?? this.latency.alarmName,
    ];
    if (props.alarmTopic) {
      const notify = new actions.SnsAction(props.alarmTopic);
      for (const alarm of this.alarms) {
        alarm.addAlarmAction(notify);
        alarm.addOkAction(notify);
      }
    }
  }
}
