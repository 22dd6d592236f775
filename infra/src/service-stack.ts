import { Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type { Construct } from 'constructs';
import { GantryService, type GantryServiceProps } from './constructs/gantry-service';
import { ServiceAlarms } from './constructs/service-alarms';
import { ServiceDashboard } from './constructs/service-dashboard';

export interface ServiceStackProps extends StackProps, GantryServiceProps {}

/**
 * One catalog entry on the shared platform: its GantryService, its ServiceAlarms (notifying the platform's topic and
 * rolling deployments back) and its dashboard (its image repository is in the pipeline stack).
 */
export class ServiceStack extends Stack {
  /** Task definition, Fargate service, security group, target groups, listener rules, deployment hook and scaling. */
  public readonly gantryService: GantryService;
  public readonly serviceAlarms: ServiceAlarms;
  /** The `<stack name>` CloudWatch dashboard. */
  public readonly dashboard: ServiceDashboard;

  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, props);
    // CDK leaves a `Default` id out of logical IDs, so the resources keep the IDs they had before the construct
    // existed: a renamed listener rule would be created beside the old one and clash on its priority.
    this.gantryService = new GantryService(this, 'Default', props);
    const { service, targetGroup, alternateTargetGroup, testTrafficCheck } = this.gantryService;
    this.serviceAlarms = new ServiceAlarms(this, 'Alarms', {
      targetGroups: [targetGroup, alternateTargetGroup],
      serviceName: props.entry.name,
      alarmNamePrefix: this.stackName,
      alarmTopic: props.platform.alarmTopic,
    });
    service.enableDeploymentAlarms([...this.serviceAlarms.deploymentAlarmNames], {
      behavior: ecs.AlarmBehavior.ROLLBACK_ON_ALARM,
    });
    // ECS reads the alarms by name when a deployment starts, so they must exist by then.
    service.node.addDependency(...this.serviceAlarms.deploymentAlarms);
    this.dashboard = new ServiceDashboard(this, 'Dashboard', {
      dashboardName: this.stackName,
      serviceName: props.entry.name,
      service,
      targetGroups: [targetGroup, alternateTargetGroup],
      alarms: this.serviceAlarms.alarms,
      testTrafficCheck,
    });
  }
}

/** Acknowledges the cdk-nag findings that are true of every service stack by design. */
export function acknowledgeServiceFindings(stack: ServiceStack): void {
  const { taskDefinition, trafficRole } = stack.gantryService;
  Validations.of(taskDefinition.obtainExecutionRole()).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      "ecr:GetAuthorizationToken, needed to pull the image, supports no resource-level permissions; pulls are limited to this service's repository.",
  });
  Validations.of(taskDefinition).acknowledge({
    id: 'AwsSolutions-ECS2',
    reason:
      'The environment holds only non-secret config from service.json (ports, URLs); secrets come through ECS secrets from SSM/Secrets Manager.',
  });
  Validations.of(trafficRole).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers]',
    reason:
      'The AWS-managed policy ECS documents for blue/green on an ALB: it moves listener rules and target registrations, and AWS keeps it in step with what ECS calls.',
  });
}
