import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Duration, ValidationError } from 'aws-cdk-lib';
import { DefaultDashboardFactory, MonitoringFacade } from 'cdk-monitoring-constructs';
import { Construct } from 'constructs';
import { errorName } from '../errors';

export interface ServiceDashboardProps {
  /** CloudWatch dashboard name, unique in the account and region (the service stack's name). */
  readonly dashboardName: string;
  /** The service's catalog name, the dashboard's title. */
  readonly serviceName: string;
  readonly service: ecs.FargateService;
  /** The blue/green pair; each graph shows both, so a deployment shows as traffic moving from one to the other. */
  readonly targetGroups: readonly elbv2.IApplicationTargetGroup[];
  /** The service's alarms, shown first. */
  readonly alarms: readonly cloudwatch.IAlarm[];
  /**
   * The deployment hook, so a rolled-back deployment's failed check shows.
   * @default - no hook section
   */
  readonly testTrafficCheck?: lambda.IFunction;
}

/** One service's CloudWatch dashboard, built with cdk-monitoring-constructs: alarms, traffic, tasks, the hook. */
export class ServiceDashboard extends Construct {
  public readonly monitoring: MonitoringFacade;
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: ServiceDashboardProps) {
    super(scope, id);
    const factory = new DefaultDashboardFactory(this, 'Dashboards', {
      dashboardNamePrefix: props.dashboardName,
      createDashboard: true,
      createSummaryDashboard: false,
      createAlarmDashboard: false,
    });
    if (!factory.dashboard) {
      throw new ValidationError(errorName('ServiceDashboard'), 'ServiceDashboard: no dashboard was created', this);
    }
    this.dashboard = factory.dashboard;
    const minute = Duration.minutes(1);
    const names = ['primary', 'alternate'];
    const perGroup = (metric: (group: elbv2.IApplicationTargetGroup) => cloudwatch.Metric) =>
      props.targetGroups.map((group, index) =>
        metric(group).with({ label: `${names[index] ?? `group ${index}`} target group`, period: minute }),
      );

    this.monitoring = new MonitoringFacade(this, 'Monitoring', { dashboardFactory: factory })
      .addLargeHeader(`${props.serviceName}`)
      .addWidget(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [...props.alarms], width: 24, height: 3 }))
      .monitorCustom({
        humanReadableName: `${props.serviceName} through the ALB`,
        alarmFriendlyName: `${props.serviceName}-alb`,
        description: 'Both target groups: during a deployment, traffic moves from one to the other.',
        metricGroups: [
          {
            title: 'Requests per minute',
            metrics: perGroup((group) => group.metrics.requestCount({ statistic: 'Sum' })),
          },
          {
            title: 'Target 5xx per minute',
            metrics: perGroup((group) =>
              group.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { statistic: 'Sum' }),
            ),
          },
          {
            title: 'p99 target response time (s)',
            metrics: perGroup((group) => group.metrics.targetResponseTime({ statistic: 'p99' })),
          },
          {
            title: 'Healthy targets',
            metrics: perGroup((group) => group.metrics.healthyHostCount({ statistic: 'Minimum' })),
          },
        ],
      })
      .monitorSimpleFargateService({
        fargateService: props.service,
        humanReadableName: `${props.serviceName} tasks`,
        alarmFriendlyName: `${props.serviceName}-tasks`,
      });
    if (props.testTrafficCheck) {
      this.monitoring.monitorLambdaFunction({
        lambdaFunction: props.testTrafficCheck,
        humanReadableName: `${props.serviceName}: check before production traffic`,
        alarmFriendlyName: `${props.serviceName}-test-traffic-check`,
        isIterator: false,
      });
    }
  }
}
