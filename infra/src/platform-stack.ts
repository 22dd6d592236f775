import { CfnOutput, Duration, RemovalPolicy, Stack, ValidationError, Validations, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cloudmap from 'aws-cdk-lib/aws-servicediscovery';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { clusterName, NOT_FOUND_BODY, parameterNames } from '@gantry/service-catalog';
import type { Construct } from 'constructs';
import { AlarmTopic } from './constructs/alarm-topic';
import { PlatformDashboard } from './constructs/platform-dashboard';
import { errorName } from './errors';

export interface PlatformStackProps extends StackProps {
  /** The VPC from the network stack; the ALB goes in its public subnets. */
  readonly vpc: ec2.IVpc;
  /**
   * ACM certificate ARN. When set, the ALB serves HTTPS on 443 and HTTP on 80 only redirects to it.
   * @default - plain HTTP on port 80, no redirect
   */
  readonly certificateArn?: string;
  /**
   * Public host name aliased to the ALB; the platform URL uses it. Required with `certificateArn`.
   * @default - the ALB's DNS name
   */
  readonly domainName?: string;
  /**
   * Environment name, part of the SSM path of the platform URL.
   * @default 'dev'
   */
  readonly envName?: string;
  /**
   * Days to keep ALB access logs.
   * @default 90
   */
  readonly accessLogRetentionDays?: number;
}

/** The Cloud Map namespace services register in for Service Connect, one per environment. */
export function serviceConnectNamespaceName(envName: string): string {
  return `gantry-${envName}`;
}

/** The pieces every service stack needs from the platform. */
export interface PlatformPieces {
  readonly vpc: ec2.IVpc;
  /** The cluster; its default Cloud Map namespace is the one services join for Service Connect. */
  readonly cluster: ecs.ICluster;
  /** The listener services attach their path rules to (HTTPS when a certificate is configured). */
  readonly listener: elbv2.IApplicationListener;
  readonly albSecurityGroup: ec2.ISecurityGroup;
  /** The ALB's base URL, `http(s)://<domain or ALB DNS name>`, for people and checks from outside the VPC. */
  readonly url: string;
  /** The one topic every alarm of the platform and its services notifies. */
  readonly alarmTopic: sns.ITopic;
}

/**
 * The ECS cluster with its Service Connect namespace, the one shared ALB with its default 404, the alarm topic and the
 * platform dashboard.
 */
export class PlatformStack extends Stack implements PlatformPieces {
  public readonly vpc: ec2.IVpc;
  public readonly cluster: ecs.Cluster;
  /** The cluster's default namespace: every service joins it for Service Connect, as client and server. */
  public readonly namespace: cloudmap.INamespace;
  public readonly alb: elbv2.ApplicationLoadBalancer;
  public readonly listener: elbv2.ApplicationListener;
  public readonly albSecurityGroup: ec2.SecurityGroup;
  public readonly accessLogs: s3.Bucket;
  public readonly https: boolean;
  /** The ALB's base URL, `http(s)://<domain or ALB DNS name>`; also in SSM for the pipeline's smoke test. */
  public readonly url: string;
  /** The one topic every alarm notifies (KMS-encrypted); subscribe people or a chat integration to it. */
  public readonly alarmTopic: sns.Topic;
  /** The `<stack name>` CloudWatch dashboard: the ALB, the cluster and the alarm topic. */
  public readonly dashboard: PlatformDashboard;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id, props);
    if (!props.vpc)
      throw new ValidationError(errorName('PlatformStackVpc'), 'PlatformStack: props.vpc is required', this);
    if (props.certificateArn !== undefined && props.domainName === undefined) {
      throw new ValidationError(
        errorName('PlatformStackDomainName'),
        'PlatformStack: props.domainName is required with props.certificateArn (the name the certificate covers)',
        this,
      );
    }
    this.vpc = props.vpc;
    this.https = props.certificateArn !== undefined;

    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: props.vpc,
      // Fixed, so the Pipeline stack's Deploy role and the migrate step name it without a cross-stack reference.
      clusterName: clusterName(props.envName ?? 'dev'),
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
      // Service Connect resolves names in its own proxy, so an HTTP namespace (no Route 53 zone) is enough.
      defaultCloudMapNamespace: {
        name: serviceConnectNamespaceName(props.envName ?? 'dev'),
        type: cloudmap.NamespaceType.HTTP,
        useForServiceConnect: true,
      },
    });
    this.namespace = this.cluster.defaultCloudMapNamespace as cloudmap.INamespace;

    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      // ALB access logs only support SSE-S3.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ expiration: Duration.days(props.accessLogRetentionDays ?? 90) }],
    });
    Validations.of(this.accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket is itself the ALB access-log destination; logging its own access would recurse.',
    });

    this.albSecurityGroup = new ec2.SecurityGroup(this, 'AlbSecurityGroup', {
      vpc: props.vpc,
      description: 'Shared public ALB',
      allowAllOutbound: true,
    });
    const ports = this.https ? [80, 443] : [80];
    for (const port of ports) {
      this.albSecurityGroup.addIngressRule(
        ec2.Peer.anyIpv4(),
        ec2.Port.tcp(port),
        `Public HTTP${port === 443 ? 'S' : ''}`,
      );
    }
    Validations.of(this.albSecurityGroup).acknowledge({
      id: 'AwsSolutions-EC23',
      reason: 'The ALB is the public entry point for all services; it must accept HTTP(S) from the internet.',
    });

    this.alb = new elbv2.ApplicationLoadBalancer(this, 'Alb', {
      vpc: props.vpc,
      internetFacing: true,
      securityGroup: this.albSecurityGroup,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      dropInvalidHeaderFields: true,
    });
    this.alb.logAccessLogs(this.accessLogs, 'alb');

    const notFound = elbv2.ListenerAction.fixedResponse(404, {
      contentType: 'application/json',
      messageBody: NOT_FOUND_BODY,
    });
    if (props.certificateArn !== undefined) {
      this.listener = this.alb.addListener('Https', {
        port: 443,
        protocol: elbv2.ApplicationProtocol.HTTPS,
        certificates: [elbv2.ListenerCertificate.fromArn(props.certificateArn)],
        sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        open: false,
        defaultAction: notFound,
      });
      this.alb.addListener('Http', {
        port: 80,
        protocol: elbv2.ApplicationProtocol.HTTP,
        open: false,
        defaultAction: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }),
      });
    } else {
      this.listener = this.alb.addListener('Http', {
        port: 80,
        protocol: elbv2.ApplicationProtocol.HTTP,
        open: false,
        defaultAction: notFound,
      });
    }

    this.url = `${this.https ? 'https' : 'http'}://${props.domainName ?? this.alb.loadBalancerDnsName}`;
    // The deploy step smoke-tests through the ALB; it finds the URL here rather than in stack outputs,
    // which exist only for stacks deployed in that run.
    new ssm.StringParameter(this, 'UrlParameter', {
      parameterName: parameterNames(props.envName ?? 'dev').platformUrl,
      description: 'Base URL of the shared ALB',
      stringValue: this.url,
    });
    new CfnOutput(this, 'Url', { value: this.url, description: 'Base URL of the shared ALB' });

    this.alarmTopic = new AlarmTopic(this, 'AlarmTopic').topic;
    this.dashboard = new PlatformDashboard(this, 'Dashboard', {
      dashboardName: this.stackName,
      alb: this.alb,
      cluster: this.cluster,
      alarmTopic: this.alarmTopic,
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: this.alarmTopic.topicArn,
      description: 'SNS topic every Gantry alarm notifies',
    });
  }
}
