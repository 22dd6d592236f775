import { CfnOutput, Fn, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { stackNames, type ServiceEntry } from '@gantry/service-catalog';
import type { Construct } from 'constructs';
import { GantryService, type GantryServiceProps, type ServiceConnectPeer } from './constructs/gantry-service';
import { ServiceAlarms } from './constructs/service-alarms';
import { ServiceDashboard } from './constructs/service-dashboard';

export interface ServiceStackProps extends StackProps, GantryServiceProps {}

/**
 * The export naming a service's task security group. Every service stack exports it whether or not anyone calls
 * the service yet, so a new caller needs only its own deploy, and CloudFormation refuses to replace a group in use.
 */
export function taskSecurityGroupExportName(envName: string, service: string): string {
  return `${stackNames(envName).service(service)}-TaskSecurityGroupId`;
}

/** A callee as a caller's stack sees it: name and port from the catalog, its task security group by import. */
export function importedPeer(envName: string, callee: Pick<ServiceEntry, 'name' | 'port'>): ServiceConnectPeer {
  return {
    name: callee.name,
    port: callee.port,
    securityGroupId: Fn.importValue(taskSecurityGroupExportName(envName, callee.name)),
  };
}

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
    new CfnOutput(this, 'TaskSecurityGroupId', {
      value: this.gantryService.securityGroup.securityGroupId,
      description: `${props.entry.name}'s task security group; callers' stacks add their ingress rules to it`,
      exportName: taskSecurityGroupExportName(props.envName, props.entry.name),
    });
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
