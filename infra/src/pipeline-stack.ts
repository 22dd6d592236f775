import {
  CfnResource,
  Duration,
  RemovalPolicy,
  Stack,
  ValidationError,
  Validations,
  type StackProps,
} from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import {
  DEFAULT_REPOSITORY_PREFIX,
  parameterArn,
  parameterNames,
  releaseTokenSecretName,
} from '@gantry/service-catalog';
import type { Construct } from 'constructs';
import { ServiceRepository } from './constructs/service-repository';
import { errorName } from './errors';

export interface PipelineStackProps extends StackProps {
  /** Environment name, part of SSM paths. */
  readonly envName: string;
  /** Names of the catalog's services; the build may push only to their ECR repositories. */
  readonly services: readonly string[];
  /** CodeConnections connection ARN to GitHub. */
  readonly connectionArn: string;
  /** GitHub owner. */
  readonly githubOwner: string;
  /** GitHub repository. */
  readonly githubRepo: string;
  /**
   * Branch whose pushes start the pipeline.
   * @default 'main'
   */
  readonly branch?: string;
  /**
   * Secrets Manager secret (name) holding a GitHub token that may push to the repository: the record step
   * pushes the release commit and tags with it. Create it before the first run (docs/deploy.md).
   * @default releaseTokenSecretName(envName), e.g. `gantry/dev/github-release-token`
   */
  readonly gitTokenSecretName?: string;
  /**
   * Days to keep Nx cache objects.
   * @default 30
   */
  readonly cacheExpirationDays?: number;
}

/**
 * The trusted main-branch pipeline: a GitHub push starts one CodeBuild running buildspec.yml's steps:
 * base, cache, checks, version, images, deploy, smoke, record.
 */
export class PipelineStack extends Stack {
  public readonly cacheBucket: s3.Bucket;
  public readonly baseParameter: ssm.StringParameter;
  public readonly project: codebuild.PipelineProject;
  /** The CodeBuild service role; its policy is the least-privilege contract of the build. */
  public readonly buildRole: iam.Role;
  public readonly pipeline: codepipeline.Pipeline;
  public readonly envName: string;
  /** One ECR repository per catalog service, `repositoryName(name)`: here, so it exists before the first push. */
  public readonly repositories = new Map<string, ecr.Repository>();
  /** The Secrets Manager secret the build reads its GitHub push token from. */
  public readonly gitTokenSecretName: string;

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
    this.gitTokenSecretName = props.gitTokenSecretName ?? releaseTokenSecretName(props.envName);
    this.envName = props.envName;

    this.cacheBucket = new s3.Bucket(this, 'CacheBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: false,
      lifecycleRules: [
        {
          expiration: Duration.days(props.cacheExpirationDays ?? 30),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });

    this.baseParameter = new ssm.StringParameter(this, 'BaseParameter', {
      parameterName: parameterNames(props.envName).lastDeployedCommit,
      description: 'Commit of the last successful main pipeline run; the base for affected builds',
      // "none" makes the first run build everything.
      stringValue: 'none',
    });

    const logGroup = new logs.LogGroup(this, 'BuildLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const registry = `${this.account}.dkr.ecr.${this.region}.amazonaws.com`;
    this.buildRole = new iam.Role(this, 'BuildRole', {
      assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com'),
    });
    this.project = new codebuild.PipelineProject(this, 'Build', {
      role: this.buildRole,
      buildSpec: codebuild.BuildSpec.fromSourceFilename('buildspec.yml'),
      environment: {
        buildImage: codebuild.LinuxArmBuildImage.AMAZON_LINUX_2023_STANDARD_3_0,
        computeType: codebuild.ComputeType.LARGE,
        // Docker builds need the daemon.
        privileged: true,
      },
      environmentVariables: {
        GANTRY_BASE_PARAMETER: { value: this.baseParameter.parameterName },
        GANTRY_CACHE_BUCKET: { value: this.cacheBucket.bucketName },
        GANTRY_CACHE_PREFIX: { value: 'nx-cache/' },
        GANTRY_CACHE_REGION: { value: this.region },
        // This is the trusted main pipeline: it may write the shared cache. PR builds stay read-only.
        GANTRY_CACHE_MODE: { value: 'read-write' },
        GANTRY_REGISTRY: { value: registry },
        GANTRY_REPOSITORY_PREFIX: { value: DEFAULT_REPOSITORY_PREFIX },
        // The record step pushes the release commit and tags here, with the token below.
        GANTRY_RELEASE_REMOTE: { value: `https://github.com/${props.githubOwner}/${props.githubRepo}.git` },
        GANTRY_RELEASE_BRANCH: { value: branch },
        // Resolved by CodeBuild at build start; CDK grants the role read access to this one secret.
        GANTRY_GIT_TOKEN: {
          type: codebuild.BuildEnvironmentVariableType.SECRETS_MANAGER,
          value: this.gitTokenSecretName,
        },
        // The deploy step runs `cdk deploy` through the CDK bootstrap roles below.
        GANTRY_DEPLOY: { value: 'cdk' },
      },
      logging: { cloudWatch: { logGroup } },
      timeout: Duration.minutes(60),
    });

    const role = this.buildRole;
    const parameters = parameterNames(props.envName);
    const parameterArnHere = (name: string) =>
      parameterArn(name, { partition: this.partition, region: this.region, account: this.account });
    for (const service of props.services) {
      this.repositories.set(service, new ServiceRepository(this, `Repository-${service}`, { service }).repository);
    }
    const repositoryArns = [...this.repositories.values()].map((repository) => repository.repositoryArn);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'EcrPushToGantryRepositories',
        actions: [
          'ecr:BatchCheckLayerAvailability',
          'ecr:BatchGetImage',
          'ecr:CompleteLayerUpload',
          'ecr:DescribeImages',
          'ecr:GetDownloadUrlForLayer',
          'ecr:InitiateLayerUpload',
          // The rollback command lists a repository's versions (registry API tags/list).
          'ecr:ListImages',
          'ecr:PutImage',
          'ecr:UploadLayerPart',
        ],
        resources: repositoryArns,
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'EcrLogin',
        // GetAuthorizationToken has no resource-level permissions.
        actions: ['ecr:GetAuthorizationToken'],
        resources: ['*'],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'NxCacheList',
        actions: ['s3:ListBucket'],
        resources: [this.cacheBucket.bucketArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'NxCacheReadWrite',
        actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
        resources: [this.cacheBucket.arnForObjects('nx-cache/*')],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'LastDeployedCommit',
        actions: ['ssm:GetParameter', 'ssm:PutParameter'],
        resources: [this.baseParameter.parameterArn],
      }),
    );

    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'CdkDeployThroughBootstrapRoles',
        // cdk deploy assumes the bootstrap stack's roles; CloudFormation does the rest with their rights.
        actions: ['sts:AssumeRole'],
        resources: ['deploy', 'file-publishing', 'lookup'].map(
          (kind) =>
            `arn:${this.partition}:iam::${this.account}:role/cdk-hnb659fds-${kind}-role-${this.account}-${this.region}`,
        ),
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'RecordDeployedImages',
        actions: ['ssm:PutParameter', 'ssm:GetParameter'],
        // What runs (images/<name>) and the deploys a rollback picks from (deploys/<name>).
        resources: [parameterArnHere(parameters.image('*')), parameterArnHere(parameters.deploys('*'))],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadPlatformUrlForSmokeTest',
        actions: ['ssm:GetParameter'],
        resources: [parameterArnHere(parameters.platformUrl)],
      }),
    );

    const source = new codepipeline.Artifact('Source');
    const sourceAction = new actions.CodeStarConnectionsSourceAction({
      actionName: 'GitHub',
      connectionArn: props.connectionArn,
      owner: props.githubOwner,
      repo: props.githubRepo,
      branch,
      output: source,
      // Full clone: affected builds diff against the last deployed commit.
      codeBuildCloneOutput: true,
      triggerOnPush: true,
    });

    const artifactBucket = new s3.Bucket(this, 'ArtifactBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.DESTROY,
      lifecycleRules: [{ expiration: Duration.days(30) }],
    });

    this.pipeline = new codepipeline.Pipeline(this, 'Pipeline', {
      pipelineType: codepipeline.PipelineType.V2,
      // QUEUED: every push to main is built in order; SUPERSEDED could skip a commit's record step
      // mid-run and move the affected base past work that never finished.
      executionMode: codepipeline.ExecutionMode.QUEUED,
      artifactBucket,
      restartExecutionOnUpdate: false,
      triggers: [
        {
          providerType: codepipeline.ProviderType.CODE_STAR_SOURCE_CONNECTION,
          gitConfiguration: { sourceAction, pushFilter: [{ branchesIncludes: [branch] }] },
        },
      ],
      stages: [
        { stageName: 'Source', actions: [sourceAction] },
        {
          stageName: 'Build',
          // The output artifact is the build's dist/pipeline/*.json: one state file per step.
          actions: [
            new actions.CodeBuildAction({
              actionName: 'BuildReleaseDeploy',
              project: this.project,
              input: source,
              outputs: [new codepipeline.Artifact('PipelineState')],
            }),
          ],
        },
      ],
    });

    this.acknowledgeFindings(artifactBucket);
  }

  private acknowledgeFindings(artifactBucket: s3.Bucket): void {
    const logicalId = (resource: Construct) =>
      this.resolve(this.getLogicalId(resource.node.defaultChild as CfnResource)) as string;
    const artifactArn = `<${logicalId(artifactBucket)}.Arn>`;
    const build = logicalId(this.project);
    const ack = (scope: Construct, id: string, reason: string) => Validations.of(scope).acknowledge({ id, reason });

    for (const bucket of [artifactBucket, this.cacheBucket]) {
      ack(
        bucket,
        'AwsSolutions-S1',
        'Holds only disposable, reproducible build outputs that the lifecycle rule expires; server access logs would cost more than the data is worth.',
      );
    }
    ack(
      this.project,
      'AwsSolutions-CB4',
      "Build outputs go to S3 buckets encrypted with S3-managed keys that only this pipeline's roles can read; a customer-managed KMS key adds cost without adding a control here.",
    );

    // CDK's grants for the pipeline artifact bucket: object-level wildcards scoped to that one bucket.
    const artifactGrants = [
      'Action::s3:Abort*',
      'Action::s3:DeleteObject*',
      'Action::s3:GetBucket*',
      'Action::s3:GetObject*',
      'Action::s3:List*',
      `Resource::${artifactArn}/*`,
    ];
    // The pipeline scope covers its own role and the source action's role.
    const roles: Construct[] = [this.buildRole, this.pipeline];
    for (const role of roles) {
      for (const finding of artifactGrants) {
        ack(
          role,
          `AwsSolutions-IAM5[${finding}]`,
          "CodePipeline artifact grant generated by CDK: object wildcards confined to this pipeline's own artifact bucket.",
        );
      }
    }
    const role = this.buildRole;
    // Spelled as cdk-nag prints the finding, so the acknowledgement matches it literally.
    const imagesArn = parameterArn(parameterNames(this.envName).image('*'), {
      partition: '<AWS::Partition>',
      region: this.region,
      account: this.account,
    });
    ack(
      role,
      `AwsSolutions-IAM5[Resource::${imagesArn}]`,
      "One image parameter per catalog service under this environment's images/ path; the pipeline records <version>@<digest> there once a deploy passes its smoke test (docs/decisions/0007).",
    );
    const deploysArn = parameterArn(parameterNames(this.envName).deploys('*'), {
      partition: '<AWS::Partition>',
      region: this.region,
      account: this.account,
    });
    ack(
      role,
      `AwsSolutions-IAM5[Resource::${deploysArn}]`,
      "One deploy-history parameter per catalog service under this environment's deploys/ path, written with the image record; rollback reads it.",
    );
    ack(
      role,
      'AwsSolutions-IAM5[Resource::*]',
      "ecr:GetAuthorizationToken supports no resource-level permissions; pushes are limited to the catalog services' repositories.",
    );
    ack(
      role,
      `AwsSolutions-IAM5[Resource::<${logicalId(this.cacheBucket)}.Arn>/nx-cache/*]`,
      'The Nx cache writes one object per task hash under the nx-cache/ prefix of its own bucket; the names are not known in advance.',
    );
    ack(
      role,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:codebuild:${this.region}:${this.account}:report-group/<${build}>-*]`,
      'CDK default: CodeBuild report groups (JUnit reports from buildspec.yml) named after this project only.',
    );
    ack(
      role,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:${this.region}:${this.account}:log-group:/aws/codebuild/<${build}>:*]`,
      "CDK default: log streams of this project's own log group; stream names are per build.",
    );
  }
}
