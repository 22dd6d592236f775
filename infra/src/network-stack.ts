import { Fn, RemovalPolicy, Stack, Token, ValidationError, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { DEFAULT_MAX_AZS } from './config';
import { errorName } from './errors';

export interface NetworkStackProps extends StackProps {
  /**
   * NAT gateways for the private subnets' egress (ECR pulls, CloudWatch, SSM).
   * 1 is the cheap dev option; the app gives every other environment one per AZ (`defaultNatGateways`).
   * @default 1
   */
  readonly natGateways?: number;
  /**
   * Availability zones to spread subnets across.
   * @default DEFAULT_MAX_AZS (2)
   */
  readonly maxAzs?: number;
}

/** The first `count` AZs of the region, resolved by CloudFormation (Fn::GetAZs): no synth-time lookup. */
export function deployTimeAzs(count: number): string[] {
  return Array.from({ length: count }, (_, index) => Fn.select(index, Fn.getAzs()));
}

/** The subnet group databases live in: isolated, with no route to or from the internet. */
export const DATABASE_SUBNET_GROUP = 'database';

/**
 * The VPC: public subnets for the ALB and NAT, private subnets (NAT egress) for Fargate tasks and Lambdas, isolated
 * subnets for databases.
 */
export class NetworkStack extends Stack {
  public readonly vpc: ec2.Vpc;
  /** The isolated database subnets, one per AZ: no NAT, no internet gateway route, so a database reaches nothing outside the VPC. */
  public readonly databaseSubnets: ec2.SubnetSelection = { subnetGroupName: DATABASE_SUBNET_GROUP };
  private readonly azCount: number;

  /**
   * An env-specific stack would look its AZs up at synth, which needs credentials.
   * CloudFormation picks them at deploy time instead.
   */
  override get availabilityZones(): string[] {
    return deployTimeAzs(this.azCount);
  }

  constructor(scope: Construct, id: string, props: NetworkStackProps = {}) {
    super(scope, id, props);
    this.azCount = Math.min(Math.max(props.maxAzs ?? DEFAULT_MAX_AZS, 1), 3);
    const natGateways = props.natGateways ?? 1;
    const maxAzs = props.maxAzs ?? DEFAULT_MAX_AZS;
    const invalid = (prop: string, message: string) =>
      new ValidationError(errorName(`NetworkStack${prop}`), `NetworkStack: ${message}`, this);
    if (!Number.isInteger(natGateways) || natGateways < 1) {
      throw invalid(
        'NatGateways',
        `natGateways must be an integer of at least 1 (private subnets need egress), got ${natGateways}`,
      );
    }
    if (natGateways > maxAzs)
      throw invalid('NatGateways', `natGateways (${natGateways}) cannot exceed maxAzs (${maxAzs})`);
    if (maxAzs < 1 || maxAzs > 3) throw invalid('MaxAzs', `maxAzs must be 1 to 3, got ${maxAzs}`);
    if (Token.isUnresolved(this.region))
      throw invalid('Env', 'give the stack an explicit env (account and region) so synth needs no AZ lookup');

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs,
      natGateways,
      // The custom resource that empties the default SG costs a Lambda; nothing uses that SG.
      restrictDefaultSecurityGroup: false,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
        // Last, so the existing groups keep their CIDR blocks (a moved subnet is a replaced subnet).
        { name: DATABASE_SUBNET_GROUP, subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
    });
    const flowLogs = new logs.LogGroup(this, 'FlowLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });
  }
}
