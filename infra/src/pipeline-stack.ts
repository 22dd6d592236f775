import { ArnFormat, Duration, Stack, ValidationError, Validations, type StackProps } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import type * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import {
  APP_CONTAINER_NAME,
  clusterName,
  DEFAULT_REPOSITORY_PREFIX,
  DEFAULT_SHARDING,
  ecsNames,
  parameterArn,
  parameterNames,
  releaseTokenSecretName,
} from '@gantry/service-catalog';
import type { Construct, IConstruct } from 'constructs';
import { CacheBucket } from './constructs/cache-bucket';
import { MainPipeline, type MainStage } from './constructs/main-pipeline';
import { PipelineProject } from './constructs/pipeline-project';
import { PullRequestPipeline } from './constructs/pull-request-pipeline';
import { ServiceRepository } from './constructs/service-repository';
import { errorName } from './errors';

export { MAIN_STAGES, type MainStage } from './constructs/main-pipeline';

/** The buildspec each stage runs, relative to the repository root. */
export const MAIN_BUILDSPECS: Readonly<Record<MainStage, string>> = {
  checks: 'buildspec.yml',
  release: 'tools/pipeline/buildspecs/release.yml',
  images: 'tools/pipeline/buildspecs/images.yml',
  deploy: 'tools/pipeline/buildspecs/deploy.yml',
  record: 'tools/pipeline/buildspecs/record.yml',
};

/** The CDK bootstrap roles `cdk deploy` works through (default qualifier). */
const BOOTSTRAP_ROLES = ['deploy', 'file-publishing', 'lookup'] as const;

export interface PipelineStackProps extends StackProps {
  /** Environment name, part of SSM paths. */
  readonly envName: string;
  /** Names of the catalog's services; the images stage may push only to their ECR repositories. */
  readonly services: readonly string[];
  /** CodeConnections connection ARN to GitHub. */
  readonly connectionArn: string;
  /** GitHub owner. */
  readonly githubOwner: string;
  /** GitHub repository. */
  readonly githubRepo: string;
  /**
   * Branch whose pushes start the main pipeline, and whose pull requests start the pull-request pipeline.
   * @default 'main'
   */
  readonly branch?: string;
  /**
   * Secrets Manager secret (name) holding a GitHub token that may push to the repository: the record stage
   * reads it at run time to push the release commit and tags. Create it before the first run (docs/deploy.md).
   * @default releaseTokenSecretName(envName), e.g. `gantry/dev/github-release-token`
   */
  readonly gitTokenSecretName?: string;
  /**
   * The catalog services that declare a database, whose deploy runs their migrations first as a one-off task: the
   * Deploy role may run a copy of each one's task definition (`ecsNames`) in the platform's cluster (`clusterName`),
   * watch the task and read its log, and nothing else of ECS.
   * @default - none: the Deploy role gets no ECS permission, and the stack imports nothing
   */
  readonly migrationServices?: readonly string[];
  /**
   * Days to keep Nx cache objects.
   * @default 30
   */
  readonly cacheExpirationDays?: number;
  /**
   * The most projects one build of the checks batch checks before the next build gets work.
   * @default DEFAULT_SHARDING.projectsPerBuild (measured: about 15 minutes of one host)
   */
  readonly projectsPerShard?: number;
  /**
   * The most images one build of the images batch makes before the next build gets work.
   * @default DEFAULT_SHARDING.imagesPerBuild
   */
  readonly imagesPerShard?: number;
}

/**
 * The pipelines, split by trust. Main (a push to the branch): checks → release → images → deploy & smoke →
 * record, each stage a CodeBuild project whose role holds only what that stage needs (docs/pipeline.md);
 * checks and images are batch builds of DEFAULT_SHARDING.builds builds, the buildspecs' build-list.
 * Pull requests: install and checks with a read-only cache, nothing else.
 */
export class PipelineStack extends Stack {
  public readonly envName: string;
  /** The Nx remote cache; only the checks stage of main may write it. */
  public readonly cache: CacheBucket;
  public readonly cacheBucket: s3.Bucket;
  public readonly baseParameter: ssm.StringParameter;
  /** One ECR repository per catalog service, `repositoryName(name)`: here, so it exists before the first push. */
  public readonly repositories = new Map<string, ecr.Repository>();
  /** The Secrets Manager secret the record stage reads its GitHub push token from. */
  public readonly gitTokenSecretName: string;
  /** The database services whose migrations the Deploy role may run. */
  public readonly migrationServices: readonly string[];
  /** The project, and so the role, of each main stage. */
  public readonly stages: Readonly<Record<MainStage, PipelineProject>>;
  public readonly pipeline: codepipeline.Pipeline;
  public readonly artifactBucket: s3.Bucket;
  public readonly pullRequests: PullRequestPipeline;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    if (props.services.length === 0) {
      throw new ValidationError(
        errorName('PipelineStackServices'),
        'PipelineStack: props.services must name at least one service',
        this,
      );
    }
    const branch = props.branch ?? 'main';
    this.envName = props.envName;
    this.migrationServices = props.migrationServices ?? [];
    const strangers = this.migrationServices.filter((service) => !props.services.includes(service));
    if (strangers.length > 0) {
      throw new ValidationError(
        errorName('PipelineStackMigrations'),
        `PipelineStack: props.migrationServices names ${strangers.map((s) => `"${s}"`).join(', ')}, not in props.services`,
        this,
      );
    }
    this.gitTokenSecretName = props.gitTokenSecretName ?? releaseTokenSecretName(props.envName);
    const parameters = parameterNames(props.envName);

    for (const service of props.services) {
      this.repositories.set(service, new ServiceRepository(this, `Repository-${service}`, { service }).repository);
    }
    this.baseParameter = new ssm.StringParameter(this, 'BaseParameter', {
      parameterName: parameters.lastDeployedCommit,
      description: 'Commit of the last successful main pipeline run; the base for affected builds',
      // "none" makes the first run build everything.
      stringValue: 'none',
    });

    // The cache's bucket policy names its one writer, so that role exists before its project.
    const checksRole = new iam.Role(this, 'ChecksRole', {
      assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com'),
      description: 'Checks of main: the only principal that may write the Nx cache',
    });
    this.cache = new CacheBucket(this, 'CacheBucket', {
      writer: checksRole,
      expirationDays: props.cacheExpirationDays,
    });
    this.cacheBucket = this.cache.bucket;
    const cacheVariables = (mode: 'read-write' | 'read-only') => ({
      GANTRY_CACHE_BUCKET: this.cacheBucket.bucketName,
      GANTRY_CACHE_PREFIX: this.cache.prefix,
      GANTRY_CACHE_REGION: this.region,
      GANTRY_CACHE_MODE: mode,
    });
    const registry = {
      GANTRY_REGISTRY: `${this.account}.dkr.ecr.${this.region}.amazonaws.com`,
      GANTRY_REPOSITORY_PREFIX: DEFAULT_REPOSITORY_PREFIX,
    };

    const perShard = (name: string, value: number | undefined, fallback: number) => {
      if (value !== undefined && (!Number.isInteger(value) || value < 1))
        throw new ValidationError(
          errorName('PipelineStackSharding'),
          `PipelineStack: props.${name} must be a whole number of at least 1, got ${value}`,
          this,
        );
      return String(value ?? fallback);
    };

    this.stages = {
      checks: new PipelineProject(this, 'Checks', {
        buildSpec: MAIN_BUILDSPECS.checks,
        description: 'Checks of main: install, base, cache (read-write), checks; a batch of shards',
        role: checksRole,
        computeType: codebuild.ComputeType.LARGE,
        timeout: Duration.minutes(60),
        batchBuilds: DEFAULT_SHARDING.builds,
        environmentVariables: {
          GANTRY_BASE_PARAMETER: this.baseParameter.parameterName,
          // The trusted pipeline of main: the one build that may write the shared cache.
          ...cacheVariables('read-write'),
          GANTRY_SHARD_PROJECTS: perShard(
            'projectsPerShard',
            props.projectsPerShard,
            DEFAULT_SHARDING.projectsPerBuild,
          ),
        },
      }),
      release: new PipelineProject(this, 'Release', {
        buildSpec: MAIN_BUILDSPECS.release,
        description: 'Release of main: version (nx release, once, after every checks shard passed)',
        timeout: Duration.minutes(30),
        environmentVariables: {
          ...registry,
          // Read only (has main moved on?), through the clone's own access: this stage holds no push token.
          GANTRY_RELEASE_REMOTE: 'origin',
          GANTRY_RELEASE_BRANCH: branch,
        },
      }),
      images: new PipelineProject(this, 'Images', {
        buildSpec: MAIN_BUILDSPECS.images,
        description: 'Images of main: Docker builds, ECR push to the gantry repositories; a batch of shards',
        // Docker builds need the daemon; no other stage gets it.
        privileged: true,
        computeType: codebuild.ComputeType.LARGE,
        timeout: Duration.minutes(60),
        batchBuilds: DEFAULT_SHARDING.builds,
        environmentVariables: {
          ...cacheVariables('read-only'),
          ...registry,
          GANTRY_SHARD_IMAGES: perShard('imagesPerShard', props.imagesPerShard, DEFAULT_SHARDING.imagesPerBuild),
        },
      }),
      deploy: new PipelineProject(this, 'Deploy', {
        buildSpec: MAIN_BUILDSPECS.deploy,
        description: 'Deploy of main: deploy (cdk deploy through the bootstrap roles), smoke',
        timeout: Duration.minutes(60),
        environmentVariables: { GANTRY_DEPLOY: 'cdk', ...registry },
      }),
      record: new PipelineProject(this, 'Record', {
        buildSpec: MAIN_BUILDSPECS.record,
        description: 'Record of main: what runs (SSM, deployed-<env> tags), the release push, the next base',
        timeout: Duration.minutes(15),
        environmentVariables: {
          GANTRY_BASE_PARAMETER: this.baseParameter.parameterName,
          ...registry,
          GANTRY_RELEASE_REMOTE: `https://github.com/${props.githubOwner}/${props.githubRepo}.git`,
          GANTRY_RELEASE_BRANCH: branch,
          // The secret's name only: the record step reads the token at run time, with this role.
          GANTRY_GIT_TOKEN_SECRET: this.gitTokenSecretName,
        },
      }),
    };
    this.grantStages();
    this.grantMigrations();

    const main = new MainPipeline(this, 'Pipeline', {
      connectionArn: props.connectionArn,
      githubOwner: props.githubOwner,
      githubRepo: props.githubRepo,
      branch,
      stages: this.stages,
    });
    this.pipeline = main.pipeline;
    this.artifactBucket = main.artifactBucket;
    this.pullRequests = new PullRequestPipeline(this, 'PullRequests', {
      connectionArn: props.connectionArn,
      githubOwner: props.githubOwner,
      githubRepo: props.githubRepo,
      branch,
      cache: this.cache,
      baseParameter: this.baseParameter,
    });

    this.acknowledgeFindings();
  }

  /** Each stage's role gets what its steps need (docs/pipeline.md, "Who may do what"), and nothing else. */
  private grantStages(): void {
    const { checks, release, images, deploy, record } = this.stages;
    const parameters = parameterNames(this.envName);
    const parameterArnHere = (name: string) =>
      parameterArn(name, { partition: this.partition, region: this.region, account: this.account });
    const repositoryArns = [...this.repositories.values()].map((repository) => repository.repositoryArn);
    const grant = (project: PipelineProject, statement: iam.PolicyStatementProps) =>
      project.role.addToPrincipalPolicy(new iam.PolicyStatement(statement));
    const ecrLogin: iam.PolicyStatementProps = {
      sid: 'EcrLogin',
      // GetAuthorizationToken has no resource-level permissions; what the token may do is limited per repository.
      actions: ['ecr:GetAuthorizationToken'],
      resources: ['*'],
    };

    // Checks (the cache grants are the CacheBucket's): the base for `nx affected`.
    grant(checks, {
      sid: 'ReadLastDeployedCommit',
      actions: ['ssm:GetParameter'],
      resources: [this.baseParameter.parameterArn],
    });

    // Release: the version step looks at an image's labels (spent versions) in the gantry repositories.
    grant(release, ecrLogin);
    grant(release, {
      sid: 'EcrReadImageLabels',
      actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
      resources: repositoryArns,
    });

    // Images: read the cache, log in to ECR inside the images step, and push to the gantry repositories only.
    this.cache.grantRead(images.role);
    grant(images, ecrLogin);
    grant(images, {
      sid: 'EcrPushToGantryRepositories',
      // The registry API of docker push and BuildKit's registry cache. Listing tags is for
      // `npm run rollback`, which no stage runs.
      actions: [
        'ecr:BatchCheckLayerAvailability',
        'ecr:BatchGetImage',
        'ecr:CompleteLayerUpload',
        'ecr:GetDownloadUrlForLayer',
        'ecr:InitiateLayerUpload',
        'ecr:PutImage',
        'ecr:UploadLayerPart',
      ],
      resources: repositoryArns,
    });

    // Deploy: the only role that may act through the CDK bootstrap roles.
    grant(deploy, {
      sid: 'CdkDeployThroughBootstrapRoles',
      // cdk deploy assumes the bootstrap stack's roles; CloudFormation does the rest with their rights.
      actions: ['sts:AssumeRole'],
      resources: BOOTSTRAP_ROLES.map(
        (kind) =>
          `arn:${this.partition}:iam::${this.account}:role/cdk-hnb659fds-${kind}-role-${this.account}-${this.region}`,
      ),
    });
    grant(deploy, {
      sid: 'ReadPlatformUrlForSmokeTest',
      actions: ['ssm:GetParameter'],
      resources: [parameterArnHere(parameters.platformUrl)],
    });
    grant(deploy, ecrLogin);
    grant(deploy, { sid: 'EcrReadDigests', actions: ['ecr:BatchGetImage'], resources: repositoryArns });

    // Record: the only role that reads the push token, and the only one that writes what runs.
    grant(record, {
      sid: 'ReadReleaseToken',
      actions: ['secretsmanager:GetSecretValue'],
      resources: [this.gitTokenSecretArn()],
    });
    grant(record, {
      sid: 'RecordDeployedImages',
      actions: ['ssm:GetParameter', 'ssm:PutParameter'],
      // What runs (images/<name>) and the deploys a rollback picks from (deploys/<name>).
      resources: [parameterArnHere(parameters.image('*')), parameterArnHere(parameters.deploys('*'))],
    });
    grant(record, {
      sid: 'RecordLastDeployedCommit',
      actions: ['ssm:PutParameter'],
      resources: [this.baseParameter.parameterArn],
    });
    grant(record, ecrLogin);
    grant(record, {
      sid: 'MoveDeployedTag',
      // deployed-<env> moves by putting the deployed image's manifest under that tag.
      actions: ['ecr:BatchGetImage', 'ecr:PutImage'],
      resources: repositoryArns,
    });
  }

  /**
   * The deploy step's migrate step, for each database service: it reads the running service and its task definition,
   * registers a copy with the new image, runs it once with `MIGRATE_COMMAND` in container `APP_CONTAINER_NAME` and the
   * service's network configuration, waits for its exit code, and reads its log when it fails.
   */
  private grantMigrations(): void {
    if (this.migrationServices.length === 0) return;
    const { deploy } = this.stages;
    const ecsArn = (resource: string) => `arn:${this.partition}:ecs:${this.region}:${this.account}:${resource}`;
    const cluster = { name: clusterName(this.envName), arn: ecsArn(`cluster/${clusterName(this.envName)}`) };
    const names = this.migrationServices.map((service) => ecsNames(this.envName, service));
    const grant = (statement: iam.PolicyStatementProps) =>
      deploy.role.addToPrincipalPolicy(new iam.PolicyStatement(statement));
    grant({
      sid: 'MigrateDescribeServices',
      actions: ['ecs:DescribeServices'],
      resources: names.map((n) => ecsArn(`service/${cluster.name}/${n.service}`)),
    });
    grant({
      sid: 'MigrateCopyTaskDefinitions',
      // Neither supports resource-level permissions. A copy can only name roles this role may pass (below), and
      // only the database services' families may run.
      actions: ['ecs:DescribeTaskDefinition', 'ecs:RegisterTaskDefinition'],
      resources: ['*'],
    });
    grant({
      sid: 'MigrateTagTaskDefinitionCopy',
      // The copy carries the running definition's tags (its image version); tagging only while registering it.
      actions: ['ecs:TagResource'],
      resources: names.map((n) => ecsArn(`task-definition/${n.family}:*`)),
      conditions: { StringEquals: { 'ecs:CreateAction': 'RegisterTaskDefinition' } },
    });
    grant({
      sid: 'MigrateRunTask',
      actions: ['ecs:RunTask'],
      resources: names.map((n) => ecsArn(`task-definition/${n.family}:*`)),
      conditions: { ArnEquals: { 'ecs:cluster': cluster.arn } },
    });
    grant({
      sid: 'MigrateWatchTask',
      // Task ids are unknown until RunTask returns: any task of the platform's cluster.
      actions: ['ecs:DescribeTasks'],
      resources: [ecsArn(`task/${cluster.name}/*`)],
    });
    grant({
      sid: 'MigratePassTaskRoles',
      // RegisterTaskDefinition and RunTask pass the copy's task and execution roles to ECS tasks, and only to them.
      actions: ['iam:PassRole'],
      resources: names.flatMap((n) =>
        [n.taskRole, n.executionRole].map((role) => `arn:${this.partition}:iam::${this.account}:role/${role}`),
      ),
      conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    });
    grant({
      sid: 'MigrateReadTaskLog',
      // The app container's streams of the service's log group: `<prefix>/<container>/<task id>`.
      actions: ['logs:GetLogEvents'],
      resources: names.map(
        (n) =>
          `arn:${this.partition}:logs:${this.region}:${this.account}:log-group:${n.logGroup}:log-stream:${n.logStreamPrefix}/${APP_CONTAINER_NAME}/*`,
      ),
    });
  }

  /** Any version of the token secret: Secrets Manager appends six random characters to a secret's name. */
  private gitTokenSecretArn(): string {
    return this.formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: `${this.gitTokenSecretName}-??????`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  /** The wildcards of the migrate step's grants: each is as narrow as the resource's ARN allows. */
  private acknowledgeMigrationFindings(): void {
    const { deploy } = this.stages;
    const nagArn = (service: string, resource: string) =>
      `arn:<AWS::Partition>:${service}:${this.region}:${this.account}:${resource}`;
    const ack = (resource: string, reason: string) =>
      Validations.of(deploy.role).acknowledge({ id: `AwsSolutions-IAM5[Resource::${resource}]`, reason });
    for (const service of this.migrationServices) {
      const names = ecsNames(this.envName, service);
      ack(
        nagArn('ecs', `task-definition/${names.family}:*`),
        `Any revision of ${service}'s task definition family: the migrate step registers a copy (tagging it only as it registers it, ecs:CreateAction) and runs it, and its revision is new each deploy. It runs only in the platform's cluster (ecs:cluster).`,
      );
      ack(
        nagArn('logs', `log-group:${names.logGroup}:log-stream:${names.logStreamPrefix}/${APP_CONTAINER_NAME}/*`),
        `Read only, the app container's streams in ${service}'s log group: one per task, named by a task id the migrate step learns when it runs the task.`,
      );
    }
    ack(
      nagArn('ecs', `task/${clusterName(this.envName)}/*`),
      "Read only, the tasks of the platform's cluster: the migrate step learns its task's id when RunTask returns, so no narrower ARN can be written down.",
    );
  }

  /** The findings of the grants above; the constructs acknowledge their own (artifacts, cache, CodeBuild). */
  private acknowledgeFindings(): void {
    const ack = (scope: IConstruct, id: string, reason: string) => Validations.of(scope).acknowledge({ id, reason });
    const nagArn = (name: string) =>
      parameterArn(name, { partition: '<AWS::Partition>', region: this.region, account: this.account });
    const { release, images, deploy, record } = this.stages;
    const ecrToken =
      "ecr:GetAuthorizationToken supports no resource-level permissions; what the token may do is limited to the catalog services' repositories.";
    for (const role of [release.role, images.role, record.role]) ack(role, 'AwsSolutions-IAM5[Resource::*]', ecrToken);
    const migrations = this.migrationServices.length > 0;
    ack(
      deploy.role,
      'AwsSolutions-IAM5[Resource::*]',
      migrations
        ? `${ecrToken} Neither do ecs:DescribeTaskDefinition and ecs:RegisterTaskDefinition (the migrate step's copy of a task definition); the copy can pass only the database services' own roles to ECS tasks, and only their families may run.`
        : ecrToken,
    );
    if (migrations) this.acknowledgeMigrationFindings();
    const parameters = parameterNames(this.envName);
    ack(
      record.role,
      `AwsSolutions-IAM5[Resource::${nagArn(parameters.image('*'))}]`,
      "One image parameter per catalog service under this environment's images/ path; the record stage writes <version>@<digest> there once a deploy passes its smoke test (docs/decisions/0007).",
    );
    ack(
      record.role,
      `AwsSolutions-IAM5[Resource::${nagArn(parameters.deploys('*'))}]`,
      "One deploy-history parameter per catalog service under this environment's deploys/ path, written with the image record; rollback reads it.",
    );
  }
}
