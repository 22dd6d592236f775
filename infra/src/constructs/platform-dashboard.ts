import { Duration, ValidationError } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as sns from 'aws-cdk-lib/aws-sns';
import {
  AlarmWithAnnotation,
  DefaultDashboardFactory,
  MonitoringFacade,
  SnsAlarmActionStrategy,
} from 'cdk-monitoring-constructs';
import { Construct } from 'constructs';
import { errorName } from '../errors';

export interface PlatformDashboardProps {
  /** CloudWatch dashboard name, unique in the account and region (the platform stack's name); alarm names start with it. */
  readonly dashboardName: string;
  readonly alb: elbv2.IApplicationLoadBalancer;
  readonly cluster: ecs.Cluster;
  /** The platform's alarm topic: its deliveries are graphed, and the platform's own alarms notify it. */
  readonly alarmTopic: sns.ITopic;
  /**
   * Load-balancer-generated 5xx answers per minute (no healthy target, a target that reset or timed out) that
   * count as breaching (2 of 3 minutes raise the alarm).
   * @default 10
   */
  readonly elb5xxPerMinute?: number;
}

/** The platform's CloudWatch dashboard and alarm, built with cdk-monitoring-constructs: the shared ALB, the cluster, the topic. */
export class PlatformDashboard extends Construct {
  public readonly monitoring: MonitoringFacade;
  public readonly dashboard: cloudwatch.Dashboard;
  /** The ALB answering 5xx itself; notifies the alarm topic. */
  public readonly elb5xx: AlarmWithAnnotation;

  constructor(scope: Construct, id: string, props: PlatformDashboardProps) {
    super(scope, id);
    const elb5xx = props.elb5xxPerMinute ?? 10;
    if (!Number.isInteger(elb5xx) || elb5xx < 1) {
      throw new ValidationError(
        errorName('PlatformDashboardElb5xx'),
        `PlatformDashboard: props.elb5xxPerMinute must be a positive integer, got ${elb5xx}`,
        this,
      );
    }
    const factory = new DefaultDashboardFactory(this, 'Dashboards', {
      dashboardNamePrefix: props.dashboardName,
      createDashboard: true,
      createSummaryDashboard: false,
      createAlarmDashboard: false,
    });
    if (!factory.dashboard) {
      throw new ValidationError(errorName('PlatformDashboard'), 'PlatformDashboard: no dashboard was created', this);
    }
    this.dashboard = factory.dashboard;
    const minute = { period: Duration.minutes(1) };
    const metrics = props.alb.metrics;

    this.monitoring = new MonitoringFacade(this, 'Monitoring', {
      dashboardFactory: factory,
      alarmFactoryDefaults: {
        alarmNamePrefix: props.dashboardName,
        actionsEnabled: true,
        action: new SnsAlarmActionStrategy({ onAlarmTopic: props.alarmTopic, onOkTopic: props.alarmTopic }),
      },
    })
      .addLargeHeader('Gantry platform')
      .monitorCustom({
        humanReadableName: 'Shared ALB',
        alarmFriendlyName: 'Alb',
        metricGroups: [
          {
            title: 'Requests per minute',
            metrics: [metrics.requestCount({ ...minute, statistic: 'Sum', label: 'requests' })],
          },
          {
            title: '5xx per minute',
            metrics: [
              {
                metric: metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, {
                  ...minute,
                  statistic: 'Sum',
                  label: 'from the ALB itself',
                }),
                alarmFriendlyName: 'Elb5xx',
                addAlarm: {
                  Critical: {
                    threshold: elb5xx,
                    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                    evaluationPeriods: 3,
                    datapointsToAlarm: 2,
                    treatMissingDataOverride: cloudwatch.TreatMissingData.NOT_BREACHING,
                    additionalDescription:
                      'The ALB answered 5xx itself: no healthy target, or targets that reset or timed out.',
                  },
                },
              },
              metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, {
                ...minute,
                statistic: 'Sum',
                label: 'from the services',
              }),
            ],
          },
          {
            title: 'p99 target response time (s)',
            metrics: [metrics.targetResponseTime({ ...minute, statistic: 'p99', label: 'p99' })],
          },
          {
            title: 'Connections',
            metrics: [
              metrics.activeConnectionCount({ ...minute, statistic: 'Sum', label: 'active' }),
              metrics.rejectedConnectionCount({ ...minute, statistic: 'Sum', label: 'rejected' }),
            ],
          },
        ],
      })
      .monitorCustom({
        humanReadableName: 'ECS cluster',
        alarmFriendlyName: 'Cluster',
        metricGroups: [
          {
            title: 'CPU and memory (%)',
            metrics: [
              props.cluster.metricCpuUtilization({ ...minute, label: 'CPU' }),
              props.cluster.metricMemoryUtilization({ ...minute, label: 'memory' }),
            ],
          },
        ],
      })
      .monitorSnsTopic({ topic: props.alarmTopic, humanReadableName: 'Alarm topic', alarmFriendlyName: 'AlarmTopic' });
    const [alarm] = this.monitoring.createdAlarms();
    this.elb5xx = alarm;
  }
}
