import { Stack, Validations, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { GantryService, type GantryServiceProps } from './constructs/gantry-service';
import { ServiceAlarms } from './constructs/service-alarms';

export interface ServiceStackProps extends StackProps, GantryServiceProps {}

/** One catalog entry on the shared platform: its GantryService and ServiceAlarms (its image repository is in the pipeline stack). */
export class ServiceStack extends Stack {
  /** Task definition, Fargate service, security group, target group, listener rule and scaling. */
  public readonly gantryService: GantryService;
  public readonly serviceAlarms: ServiceAlarms;

  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, props);
    // CDK leaves a `Default` id out of logical IDs, so the resources keep the IDs they had before the construct
    // existed: a renamed listener rule would be created beside the old one and clash on its priority.
    this.gantryService = new GantryService(this, 'Default', props);
    this.serviceAlarms = new ServiceAlarms(this, 'Alarms', {
      targetGroup: this.gantryService.targetGroup,
      serviceName: props.entry.name,
    });
  }
}

/** Acknowledges the cdk-nag findings that are true of every service stack by design. */
export function acknowledgeServiceFindings(stack: ServiceStack): void {
  const { taskDefinition } = stack.gantryService;
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
}
