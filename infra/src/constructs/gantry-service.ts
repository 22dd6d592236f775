import { Duration, Fn, RemovalPolicy, Tags, ValidationError } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import {
  databaseSecretName,
  deploymentOf,
  listenerPriorities,
  parameterNames,
  pathPatterns,
  repositoryName,
  resolveEnv,
  serviceReferences,
  SHUTDOWN_TIMING,
  taskSecrets,
  TEST_TRAFFIC_HEADER,
  APP_CONTAINER_NAME,
  ecsNames,
  type Deployment,
  type EcsNames,
  type ServiceEntry,
} from '@gantry/service-catalog';
import { Construct } from 'constructs';
import { errorName } from '../errors';
import type { PlatformPieces } from '../platform-stack';
import type { ServiceDatabaseConnection } from './service-database';
import { TestTrafficCheckHook } from './test-traffic-check-hook';

/** The name of the container's one port mapping: the ALB targets it and Service Connect advertises it. */
export const PORT_MAPPING_NAME = 'http';
/** The container docker label (and task definition tag) naming the version a task runs: tasks pull a digest. */
export const IMAGE_VERSION_LABEL = 'org.opencontainers.image.version';

/** The catalog's deployment strategies, as ECS names them. */
export const DEPLOYMENT_STRATEGIES: Record<Deployment['strategy'], ecs.DeploymentStrategy> = {
  'blue-green': ecs.DeploymentStrategy.BLUE_GREEN,
  canary: ecs.DeploymentStrategy.CANARY,
  linear: ecs.DeploymentStrategy.LINEAR,
};
/** Canary: this share of production traffic goes to the new tasks first, for this long, then all of it. */
export const CANARY_TRAFFIC_SHIFT: ecs.TrafficShiftConfig = { stepPercent: 10, stepBakeTime: Duration.minutes(5) };
/** Linear: production traffic moves to the new tasks in steps of this share, this long apart. */
export const LINEAR_TRAFFIC_SHIFT: ecs.TrafficShiftConfig = { stepPercent: 20, stepBakeTime: Duration.minutes(2) };

const TAG = '[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}';

/** A service this one calls through `${service:<name>}` in its env. */
export interface ServiceConnectPeer {
  /** The catalog name, which is also its Service Connect DNS name. */
  readonly name: string;
  /** The catalog port, which Service Connect advertises it on. */
  readonly port: number;
  /** Its task security group (across stacks, an import): the caller's tasks get in on `port`. */
  readonly securityGroupId: string;
}

/** Where `${service:<name>}` points inside the VPC: the callee's Service Connect name and port. */
export function serviceConnectUrl(peer: Pick<ServiceConnectPeer, 'name' | 'port'>): string {
  return `http://${peer.name}:${peer.port}`;
}

/** A pinned image: its version (or tag), and the manifest digest it runs when there is one. */
export interface PinnedImage {
  readonly version: string;
  readonly digest?: string;
}

/**
 * Parses a pinned image: `<version>@sha256:<64 hex>` (what the pipeline passes and records) or a plain immutable
 * tag (`0.2.0`, for a human). Returns undefined for anything else, `latest` included.
 */
export function parsePinnedImage(image: string): PinnedImage | undefined {
  const byDigest = new RegExp(`^(${TAG})@(sha256:[a-f0-9]{64})$`).exec(image);
  const version = byDigest ? byDigest[1] : image;
  if (version === 'latest' || !new RegExp(`^${TAG}$`).test(version)) return undefined;
  return byDigest ? { version, digest: byDigest[2] } : { version };
}

export interface GantryServiceProps {
  /** The validated catalog entry: ports, size, task bounds, listener priority, env and secrets. */
  readonly entry: ServiceEntry;
  /** Cluster (with its Service Connect namespace), VPC, listener, ALB security group and URL of the shared platform. */
  readonly platform: PlatformPieces;
  /**
   * The services this one calls: exactly those its env references as `${service:<name>}`. Each reference resolves
   * to `serviceConnectUrl(peer)`, and each peer's task security group accepts this service's tasks on its port.
   * @default - none; an entry that references a service must list it
   */
  readonly callees?: readonly ServiceConnectPeer[];
  /**
   * The service's database (its Data stack's `ServiceDatabase`): the task reads DB_HOST … DB_PASSWORD from its
   * secret, and this service's tasks get into its security group on its port. Required exactly when the entry
   * declares a `database`.
   * @default - none
   */
  readonly database?: ServiceDatabaseConnection;
  /**
   * Create the ECS service with no task and an autoscaling minimum of 0: the first deploy of a database
   * service, so that its migrate step has a task definition to run its migrations with before any task
   * serves. The next deploy without it restores `minTasks`.
   * @default false
   */
  readonly withoutTasks?: boolean;
  /** Environment name, part of the image parameter path. */
  readonly envName: string;
  /**
   * The image to run (from `-c image:<name>=<image>`): `<version>@sha256:<64 hex>` runs that digest, a plain tag
   * (`0.2.0`) runs `<repository>:<tag>`; never `latest`.
   * @default - the `<version>@<digest>` recorded in SSM at `parameterNames(envName).image(name)`, split by
   * CloudFormation at deploy time
   */
  readonly image?: string;
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

/**
 * One catalog service on the shared ALB: a Fargate service pulling `repositoryName(name)`, reachable from the ALB
 * and, through Service Connect, from the services that call it (and from nothing else), calling its own callees
 * by Service Connect name, scaling on CPU and requests within the catalog's task bounds, and deployed by ECS
 * blue/green (or canary, or linear, per `deploymentOf(entry)`): the new tasks start in the other target group, take
 * the test route (`TEST_TRAFFIC_HEADER: 1`) first, and get production traffic only after the hook has checked them
 * there.
 */
export class GantryService extends Construct {
  /** The service's image repository, imported by name: the pipeline stack owns it. */
  public readonly repository: ecr.IRepository;
  public readonly logGroup: logs.LogGroup;
  public readonly taskDefinition: ecs.FargateTaskDefinition;
  public readonly container: ecs.ContainerDefinition;
  public readonly securityGroup: ec2.SecurityGroup;
  /** One ingress rule per callee: its task security group accepts this service's tasks on its port. */
  public readonly calleeIngress: ec2.CfnSecurityGroupIngress[];
  /** With a database: its security group accepts this service's tasks on its port. */
  public readonly databaseIngress?: ec2.CfnSecurityGroupIngress;
  /**
   * With a database, the fixed names of the ECS service, task family, roles and log group, which the migrate step's
   * permissions are scoped to (`ecsNames`); without one, CloudFormation generates them.
   */
  public readonly fixedNames?: EcsNames;
  public readonly service: ecs.FargateService;
  /** The strategy and bake time the service deploys with, from the catalog. */
  public readonly deployment: Deployment;
  /** The version the running image was released as: a string, or the SSM record's first half (a token). */
  public readonly version: string;
  /** The primary ("blue") target group; ECS registers each deployment's new tasks in the other one. */
  public readonly targetGroup: elbv2.ApplicationTargetGroup;
  /** The alternate ("green") target group. */
  public readonly alternateTargetGroup: elbv2.ApplicationTargetGroup;
  /** Production rule: the service's paths, at `listenerPriorities(entry).production`. */
  public readonly listenerRule: elbv2.ApplicationListenerRule;
  /** Test rule: the service's paths and `TEST_TRAFFIC_HEADER: 1`, at `listenerPriorities(entry).test`. */
  public readonly testListenerRule: elbv2.ApplicationListenerRule;
  /** The role ECS uses to move the rules' weights between the two target groups. */
  public readonly trafficRole: iam.Role;
  /** The POST_TEST_TRAFFIC_SHIFT hook: checks the new version through the test route before production traffic. */
  public readonly testTrafficCheckHook: TestTrafficCheckHook;
  /** The hook's function. */
  public readonly testTrafficCheck: lambda.IFunction;
  public readonly scaling: ecs.ScalableTaskCount;

  constructor(scope: Construct, id: string, props: GantryServiceProps) {
    super(scope, id);
    const { entry, platform } = props;
    if (!entry)
      throw new ValidationError(errorName('GantryServiceEntry'), 'GantryService: props.entry is required', this);
    if (!platform)
      throw new ValidationError(
        errorName('GantryServicePlatform'),
        `GantryService "${entry.name}": props.platform is required`,
        this,
      );
    if (!platform.cluster.defaultCloudMapNamespace) {
      throw new ValidationError(
        errorName('GantryServiceNamespace'),
        `GantryService "${entry.name}": props.platform.cluster has no default Cloud Map namespace, which Service Connect needs (PlatformStack adds one)`,
        this,
      );
    }
    if (entry.database && !props.database) {
      throw new ValidationError(
        errorName('GantryServiceDatabase'),
        `GantryService "${entry.name}": its entry declares a database, so props.database (its Data stack's ServiceDatabase) is required`,
        this,
      );
    }
    if (!entry.database && props.database) {
      throw new ValidationError(
        errorName('GantryServiceDatabase'),
        `GantryService "${entry.name}": props.database is given, but its entry declares no database`,
        this,
      );
    }
    const callees = this.callees(entry, props.callees ?? []);
    const pinned = props.image === undefined ? undefined : parsePinnedImage(props.image);
    if (props.image !== undefined && !pinned) {
      throw new ValidationError(
        errorName('GantryServiceImage'),
        `GantryService "${entry.name}": props.image "${props.image}" is not a pinned image: give <version>@sha256:<64 hex> or an immutable tag (deploys never use "latest")`,
        this,
      );
    }

    this.repository = ecr.Repository.fromRepositoryName(this, 'Repository', repositoryName(entry.name));

    // Only a database service needs them: they are what the Deploy role's migrate step may touch (pipeline-stack.ts).
    const names = entry.database ? ecsNames(props.envName, entry.name) : undefined;
    this.fixedNames = names;
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: names?.logGroup,
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const namedRole = (id: string, roleName: string, description: string) =>
      new iam.Role(this, id, { roleName, description, assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      family: names?.family,
      taskRole: names && namedRole('TaskRole', names.taskRole, `${entry.name} tasks' own AWS calls`),
      executionRole:
        names &&
        namedRole('ExecutionRole', names.executionRole, `ECS starts ${entry.name}'s tasks: image pull, logs, secrets`),
      cpu: entry.cpu,
      memoryLimitMiB: entry.memory,
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.ARM64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    const { image, version } = this.containerImage(pinned, props.envName, entry.name);
    this.version = version;
    // For people (console, describe-tasks): the version this digest was released as.
    Tags.of(this.taskDefinition).add(IMAGE_VERSION_LABEL, version, {
      includeResourceTypes: ['AWS::ECS::TaskDefinition'],
    });
    // Calls stay inside the VPC: each callee by its Service Connect name, never through the public ALB.
    const baseUrl = (name: string) => serviceConnectUrl(callees.get(name) as ServiceConnectPeer);
    this.container = this.taskDefinition.addContainer(APP_CONTAINER_NAME, {
      image,
      dockerLabels: { [IMAGE_VERSION_LABEL]: version },
      user: 'node',
      readonlyRootFilesystem: true,
      essential: true,
      // The HTTP protocol gives Service Connect per-request timeouts, HTTP metrics and header-based test routing.
      portMappings: [{ containerPort: entry.port, name: PORT_MAPPING_NAME, appProtocol: ecs.AppProtocol.http }],
      environment: {
        ...resolveEnv(entry, baseUrl),
        PORT: String(entry.port),
        METRICS_PORT: String(entry.metricsPort),
        SHUTDOWN_DELAY_MS: String(SHUTDOWN_TIMING.shutdownDelaySeconds * 1000),
        DRAIN_TIMEOUT_MS: String(SHUTDOWN_TIMING.drainTimeoutSeconds * 1000),
      },
      secrets: this.secrets(entry, props.envName, props.database),
      // No container healthCheck: the ALB's target health check on the readiness path decides (docs/decisions/0013).
      stopTimeout: Duration.seconds(SHUTDOWN_TIMING.stopTimeoutSeconds),
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: names?.logStreamPrefix ?? entry.name }),
    });

    this.securityGroup = new ec2.SecurityGroup(this, 'TaskSecurityGroup', {
      vpc: platform.vpc,
      description: `${entry.name} tasks: port ${entry.port} from the ALB and from the services that call ${entry.name}`,
      allowAllOutbound: true,
    });
    this.securityGroup.addIngressRule(platform.albSecurityGroup, ec2.Port.tcp(entry.port), `ALB to ${entry.name}`);
    // The caller's stack holds the rule, so a service that starts calling another needs only its own deploy.
    this.calleeIngress = [...callees.values()].map(
      (callee) =>
        new ec2.CfnSecurityGroupIngress(this, `Calls-${callee.name}`, {
          groupId: callee.securityGroupId,
          sourceSecurityGroupId: this.securityGroup.securityGroupId,
          ipProtocol: 'tcp',
          fromPort: callee.port,
          toPort: callee.port,
          description: `${entry.name} to ${callee.name} through Service Connect`,
        }),
    );
    // Here, not in the Data stack: that stack is deployed first and must not refer to this one.
    if (props.database) {
      this.databaseIngress = new ec2.CfnSecurityGroupIngress(this, 'ToDatabase', {
        groupId: props.database.securityGroup.securityGroupId,
        sourceSecurityGroupId: this.securityGroup.securityGroupId,
        ipProtocol: 'tcp',
        fromPort: props.database.port,
        toPort: props.database.port,
        description: `${entry.name} tasks to their database`,
      });
    }

    this.deployment = deploymentOf(entry);
    this.service = new ecs.FargateService(this, 'Service', {
      serviceName: names?.service,
      cluster: platform.cluster,
      taskDefinition: this.taskDefinition,
      // No desiredCount: autoscaling owns the count, and with one every stack update would reset the running count
      // to it (aws-cdk#3919). CloudFormation starts a new service at 1; registering the scalable target lifts it to min.
      // Only a service created without tasks sets it, to 0, which no later update (without it) resets.
      desiredCount: props.withoutTasks ? 0 : undefined,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [this.securityGroup],
      assignPublicIp: false,
      // ECS uses the circuit breaker with blue/green too: tasks that never get healthy fail the deployment early.
      circuitBreaker: { enable: true, rollback: true },
      deploymentStrategy: DEPLOYMENT_STRATEGIES[this.deployment.strategy],
      bakeTime: Duration.minutes(this.deployment.bakeMinutes),
      canaryConfiguration: this.deployment.strategy === 'canary' ? CANARY_TRAFFIC_SHIFT : undefined,
      linearConfiguration: this.deployment.strategy === 'linear' ? LINEAR_TRAFFIC_SHIFT : undefined,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      healthCheckGracePeriod: Duration.seconds(60),
      enableExecuteCommand: props.enableExecuteCommand ?? false,
      // Every service is a client (it reaches the namespace's services by name) and a server (as "<name>:<port>").
      serviceConnectConfiguration: {
        services: [
          { portMappingName: PORT_MAPPING_NAME, discoveryName: entry.name, dnsName: entry.name, port: entry.port },
        ],
        logDriver: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: `${entry.name}-service-connect` }),
      },
    });
    // During a deployment the new tasks take calls carrying the same test header as the ALB's test rule, not ECS's default.
    (this.service.node.defaultChild as ecs.CfnService).addPropertyOverride(
      'ServiceConnectConfiguration.Services.0.ClientAliases.0.TestTrafficRules',
      { Header: { Name: TEST_TRAFFIC_HEADER, Value: { Exact: '1' } } },
    );

    const targetGroup = (id: string) =>
      new elbv2.ApplicationTargetGroup(this, id, {
        vpc: platform.vpc,
        port: entry.port,
        protocol: elbv2.ApplicationProtocol.HTTP,
        targetType: elbv2.TargetType.IP,
        // The whole drain and no longer: the ALB stops routing here before ECS may kill the task (stopTimeout).
        deregistrationDelay: Duration.seconds(SHUTDOWN_TIMING.deregistrationDelaySeconds),
        healthCheck: {
          path: entry.healthPath,
          healthyHttpCodes: '200',
          interval: Duration.seconds(10),
          healthyThresholdCount: 2,
        },
      });
    this.targetGroup = targetGroup('TargetGroup');
    this.alternateTargetGroup = targetGroup('AlternateTargetGroup');
    // Both rules start on the primary group; during a deployment ECS moves their weights to the new tasks' group.
    const forward = () =>
      elbv2.ListenerAction.weightedForward([
        { targetGroup: this.targetGroup, weight: 1 },
        { targetGroup: this.alternateTargetGroup, weight: 0 },
      ]);
    const priorities = listenerPriorities(entry);
    // The rules live with the service (not in the platform) so deploying one service never touches another.
    this.listenerRule = new elbv2.ApplicationListenerRule(this, 'Rule', {
      listener: platform.listener,
      priority: priorities.production,
      conditions: [elbv2.ListenerCondition.pathPatterns(pathPatterns(entry))],
      action: forward(),
    });
    this.testListenerRule = new elbv2.ApplicationListenerRule(this, 'TestRule', {
      listener: platform.listener,
      priority: priorities.test,
      conditions: [
        elbv2.ListenerCondition.pathPatterns(pathPatterns(entry)),
        elbv2.ListenerCondition.httpHeader(TEST_TRAFFIC_HEADER, ['1']),
      ],
      action: forward(),
    });
    // A service that had one rule at its catalog priority moves it up before its test rule takes that priority.
    this.testListenerRule.node.addDependency(this.listenerRule);

    this.trafficRole = new iam.Role(this, 'TrafficRole', {
      assumedBy: new iam.ServicePrincipal('ecs.amazonaws.com'),
      description: `ECS moves ${entry.name}'s listener rules between its two target groups`,
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonECSInfrastructureRolePolicyForLoadBalancers'),
      ],
    });
    this.service
      .loadBalancerTarget({
        containerName: this.container.containerName,
        containerPort: entry.port,
        alternateTarget: new ecs.AlternateTarget('AlternateTarget', {
          alternateTargetGroup: this.alternateTargetGroup,
          productionListener: ecs.ListenerRuleConfiguration.applicationListenerRule(this.listenerRule),
          testListener: ecs.ListenerRuleConfiguration.applicationListenerRule(this.testListenerRule),
          role: this.trafficRole,
        }),
      })
      .attachToApplicationTargetGroup(this.targetGroup);
    this.service.node.addDependency(this.listenerRule, this.testListenerRule);

    this.testTrafficCheckHook = new TestTrafficCheckHook(this, 'TestTrafficCheck', {
      platformUrl: platform.url,
      target: { service: entry.name, prefix: entry.prefix, version },
      logRetention: props.logRetention,
    });
    this.testTrafficCheck = this.testTrafficCheckHook.function;
    this.service.addLifecycleHook(this.testTrafficCheckHook.hook);

    this.scaling = this.service.autoScaleTaskCount({
      minCapacity: props.withoutTasks ? 0 : entry.minTasks,
      maxCapacity: entry.maxTasks,
    });
    this.scaling.scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: 60 });
    // One request policy per group, since the tasks move between them: the busy group's policy scales out, and
    // the idle group's never holds back a scale-in (it always agrees to one).
    this.scaling.scaleOnRequestCount('Requests', { requestsPerTarget: 500, targetGroup: this.targetGroup });
    this.scaling.scaleOnRequestCount('AlternateRequests', {
      requestsPerTarget: 500,
      targetGroup: this.alternateTargetGroup,
    });
  }

  /**
   * The container image and the version it was released as. A pinned digest or tag resolves at synth; without one
   * CloudFormation splits the SSM record `<version>@<digest>` at deploy time, so synth stays offline.
   */
  private containerImage(
    pinned: PinnedImage | undefined,
    envName: string,
    service: string,
  ): { image: ecs.ContainerImage; version: string } {
    // fromEcrRepository runs `<uri>@<digest>` for a `sha256:` reference, `<uri>:<tag>` otherwise, and grants the pull.
    if (pinned) {
      return {
        image: ecs.ContainerImage.fromEcrRepository(this.repository, pinned.digest ?? pinned.version),
        version: pinned.version,
      };
    }
    const record = Fn.split(
      '@',
      ssm.StringParameter.valueForStringParameter(this, parameterNames(envName).image(service)),
    );
    // A token never starts with `sha256:`, so fromEcrRepository would append `:<digest>`: build the URI, grant the pull.
    this.repository.grantPull(this.taskDefinition.obtainExecutionRole());
    return {
      image: ecs.ContainerImage.fromRegistry(this.repository.repositoryUriForDigest(Fn.select(1, record))),
      version: Fn.select(0, record),
    };
  }

  /** The callees by name, checked against the env's `${service:<name>}` references: no fewer and no more. */
  private callees(entry: ServiceEntry, peers: readonly ServiceConnectPeer[]): Map<string, ServiceConnectPeer> {
    const byName = new Map(peers.map((peer) => [peer.name, peer]));
    const referenced = new Set(serviceReferences(entry).map(([, service]) => service));
    const problems = [
      ...serviceReferences(entry)
        .filter(([, service]) => !byName.has(service))
        .map(([variable, service]) => `env "${variable}" references "${service}", which props.callees does not list`),
      ...peers
        .filter((peer) => !referenced.has(peer.name))
        .map((peer) => `props.callees lists "${peer.name}", which no env value references`),
    ];
    if (problems.length > 0)
      throw new ValidationError(
        errorName('GantryServiceCallees'),
        `GantryService "${entry.name}": ${problems.join('; ')}`,
        this,
      );
    return byName;
  }

  /**
   * The catalog's `taskSecrets`: the entry's own secrets, then its database's connection, read from the Data stack's
   * secret object, which grants the execution role read on exactly that secret.
   */
  private secrets(
    entry: ServiceEntry,
    envName: string,
    database: ServiceDatabaseConnection | undefined,
  ): Record<string, ecs.Secret> {
    const databaseSecret = databaseSecretName(envName, entry.name);
    return Object.fromEntries(
      Object.entries(taskSecrets(entry, envName)).map(([variable, ref], index) => {
        if (database && 'secretsManager' in ref && ref.secretsManager === databaseSecret) {
          return [variable, ecs.Secret.fromSecretsManager(database.secret, ref.field)];
        }
        if ('ssmParameter' in ref) {
          const parameter = ssm.StringParameter.fromSecureStringParameterAttributes(this, `Param${index}`, {
            parameterName: ref.ssmParameter,
          });
          return [variable, ecs.Secret.fromSsmParameter(parameter)];
        }
        const secret = secretsmanager.Secret.fromSecretNameV2(this, `Secret${index}`, ref.secretsManager);
        return [variable, ecs.Secret.fromSecretsManager(secret, ref.field)];
      }),
    );
  }
}
