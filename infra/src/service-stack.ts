import { Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { imageParameterName, pathPatterns, resolveEnv, type ServiceEntry } from '@gantry/service-catalog';
import type { Construct } from 'constructs';
import type { PlatformPieces } from './platform-stack';
import { repositoryName } from './service-repository';

/** service-kit defaults: readiness turns 503 this long before the listener closes. */
export const SHUTDOWN_DELAY_SECONDS = 2;
/** service-kit defaults: in-flight requests get this long to finish. */
export const DRAIN_TIMEOUT_SECONDS = 10;
/** Slack for process exit and log flushing after the drain. */
export const STOP_MARGIN_SECONDS = 8;


export interface ServiceStackProps extends StackProps {
  /** The validated catalog entry of this service. */
  readonly entry: ServiceEntry;
  /** Cluster, VPC, listener and ALB security group from the platform stack. */
  readonly platform: PlatformPieces;
  /** Environment name, part of the image parameter path. */
  readonly envName: string;
  /**
   * The image tag to run (from `-c image:<name>=<tag>`).
   * @default - the tag recorded in SSM at `/gantry/<env>/images/<name>`, resolved by CloudFormation at deploy time
   */
  readonly imageTag?: string;
  /**
   * Days to keep container logs.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Let operators `aws ecs execute-command` into tasks.
   * @default false
   */
  readonly enableExecuteCommand?: boolean;
}

/** One catalog entry on the shared platform: its Fargate service, listener rule, scaling and alarms (its image repository is in the pipeline stack). */
export class ServiceStack extends Stack {
  public readonly repository: ecr.IRepository;
  public readonly taskDefinition: ecs.FargateTaskDefinition;
  public readonly container: ecs.ContainerDefinition;
  public readonly service: ecs.FargateService;
  public readonly securityGroup: ec2.SecurityGroup;
  public readonly targetGroup: elbv2.ApplicationTargetGroup;
  public readonly listenerRule: elbv2.ApplicationListenerRule;
  public readonly alarms: cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, props);
    const { entry, platform } = props;
    if (!entry) throw new Error('ServiceStack: props.entry is required');
    if (!platform) throw new Error(`ServiceStack "${entry.name}": props.platform is required`);
    if (entry.minTasks > entry.maxTasks) {
      throw new Error(`ServiceStack "${entry.name}": minTasks (${entry.minTasks}) must not exceed maxTasks (${entry.maxTasks})`);
    }
    if (props.imageTag !== undefined && (props.imageTag === 'latest' || !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(props.imageTag))) {
      throw new Error(`ServiceStack "${entry.name}": image tag "${props.imageTag}" is not a valid pinned tag (deploys never use "latest")`);
    }
    platform.claimPriority(entry.priority, entry.name);

    // The repository belongs to the pipeline stack (it must exist before the first push); the service only pulls.
    this.repository = ecr.Repository.fromRepositoryName(this, 'Repository', repositoryName(entry.name));
    const tag = props.imageTag ?? ssm.StringParameter.valueForStringParameter(this, imageParameterName(props.envName, entry.name));

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: entry.cpu,
      memoryLimitMiB: entry.memory,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    // Every service sits behind the same ALB, so each one's base URL is the ALB origin.
    const baseUrl = () => platform.url;
    this.container = this.taskDefinition.addContainer('app', {
      image: ecs.ContainerImage.fromEcrRepository(this.repository, tag),
      user: 'node',
      readonlyRootFilesystem: true,
      essential: true,
      portMappings: [{ containerPort: entry.port, name: 'http' }],
      environment: {
        ...resolveEnv(entry, baseUrl),
        PORT: String(entry.port),
        METRICS_PORT: String(entry.metricsPort),
        SHUTDOWN_DELAY_MS: String(SHUTDOWN_DELAY_SECONDS * 1000),
        DRAIN_TIMEOUT_MS: String(DRAIN_TIMEOUT_SECONDS * 1000),
      },
      secrets: this.secrets(entry),
      healthCheck: {
        command: ['CMD', 'node', '/app/main.js', '--healthcheck'],
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(20),
      },
      stopTimeout: Duration.seconds(SHUTDOWN_DELAY_SECONDS + DRAIN_TIMEOUT_SECONDS + STOP_MARGIN_SECONDS),
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: entry.name }),
    });

    this.securityGroup = new ec2.SecurityGroup(this, 'TaskSecurityGroup', {
      vpc: platform.vpc,
      description: `${entry.name} tasks: only the ALB on port ${entry.port}`,
      allowAllOutbound: true,
    });
    this.securityGroup.addIngressRule(platform.albSecurityGroup, ec2.Port.tcp(entry.port), `ALB to ${entry.name}`);

    this.service = new ecs.FargateService(this, 'Service', {
      cluster: platform.cluster,
      taskDefinition: this.taskDefinition,
      desiredCount: entry.minTasks,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [this.securityGroup],
      assignPublicIp: false,
      circuitBreaker: { enable: true, rollback: true },
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      healthCheckGracePeriod: Duration.seconds(60),
      enableExecuteCommand: props.enableExecuteCommand ?? false,
    });

    this.targetGroup = new elbv2.ApplicationTargetGroup(this, 'TargetGroup', {
      vpc: platform.vpc,
      port: entry.port,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.IP,
      targets: [this.service],
      // No longer than the task needs to drain, so ECS never kills a task the ALB still routes to.
      deregistrationDelay: Duration.seconds(SHUTDOWN_DELAY_SECONDS + DRAIN_TIMEOUT_SECONDS),
      healthCheck: { path: entry.healthPath, healthyHttpCodes: '200', interval: Duration.seconds(10), healthyThresholdCount: 2 },
    });
    // The rule lives in this stack (not the platform's) so deploying one service never touches another.
    this.listenerRule = new elbv2.ApplicationListenerRule(this, 'Rule', {
      listener: platform.listener,
      priority: entry.priority,
      conditions: [elbv2.ListenerCondition.pathPatterns(pathPatterns(entry))],
      action: elbv2.ListenerAction.forward([this.targetGroup]),
    });
    this.service.node.addDependency(this.listenerRule);

    const scaling = this.service.autoScaleTaskCount({ minCapacity: entry.minTasks, maxCapacity: entry.maxTasks });
    scaling.scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: 60 });
    scaling.scaleOnRequestCount('Requests', { requestsPerTarget: 500, targetGroup: this.targetGroup });

    const tgMetrics = this.targetGroup.metrics;
    this.alarms = [
      new cloudwatch.Alarm(this, 'Target5xx', {
        alarmDescription: `${entry.name}: targets answered 5xx`,
        metric: tgMetrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period: Duration.minutes(1), statistic: 'Sum' }),
        threshold: 5,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'UnhealthyHosts', {
        alarmDescription: `${entry.name}: unhealthy targets`,
        metric: tgMetrics.unhealthyHostCount({ period: Duration.minutes(1), statistic: 'Maximum' }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 3,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'Latency', {
        alarmDescription: `${entry.name}: p99 target response time over 1 s`,
        metric: tgMetrics.targetResponseTime({ period: Duration.minutes(1), statistic: 'p99' }),
        threshold: 1,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    ];
  }

  private secrets(entry: ServiceEntry): Record<string, ecs.Secret> {
    return Object.fromEntries(
      Object.entries(entry.secrets).map(([variable, ref], index) => {
        if ('ssmParameter' in ref) {
          const parameter = ssm.StringParameter.fromSecureStringParameterAttributes(this, `Param${index}`, { parameterName: ref.ssmParameter });
          return [variable, ecs.Secret.fromSsmParameter(parameter)];
        }
        const secret = secretsmanager.Secret.fromSecretNameV2(this, `Secret${index}`, ref.secretsManager);
        return [variable, ecs.Secret.fromSecretsManager(secret, ref.field)];
      }),
    );
  }
}

/** Acknowledges the cdk-nag findings that are true of every service stack by design. */
export function acknowledgeServiceFindings(stack: ServiceStack): void {
  Validations.of(stack.taskDefinition.obtainExecutionRole()).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'ecr:GetAuthorizationToken, needed to pull the image, supports no resource-level permissions; pulls are limited to this service\'s repository.',
  });
  Validations.of(stack.taskDefinition).acknowledge({
    id: 'AwsSolutions-ECS2',
    reason: 'The environment holds only non-secret config from service.json (ports, URLs); secrets come through ECS secrets from SSM/Secrets Manager.',
  });
}
