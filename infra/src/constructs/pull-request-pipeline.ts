import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { CacheBucket } from './cache-bucket';
import { acknowledgeArtifactGrants, PipelineProject } from './pipeline-project';

/** The buildspec of pull-request checks, relative to the repository root. */
export const PULL_REQUEST_BUILDSPEC = 'tools/pipeline/buildspecs/pull-request.yml';

export interface PullRequestPipelineProps {
  /** CodeConnections connection ARN to GitHub: the main pipeline's. */
  readonly connectionArn: string;
  readonly githubOwner: string;
  readonly githubRepo: string;
  /** Pull requests into this branch are checked. */
  readonly branch: string;
  /** Read here, never written: the bucket policy lets only main's checks role write it. */
  readonly cache: CacheBucket;
  /** The last deployed commit: the base `nx affected` diffs a pull request against. */
  readonly baseParameter: ssm.IStringParameter;
}

/**
 * Checks for pull requests: a CodePipeline V2 started by pull requests into the branch (opened or updated),
 * running install and the checks only, with a read-only cache. The code under review runs here, so its role
 * reads the cache and the base parameter and nothing more, under a permissions boundary that allows no write
 * to S3, no read of Secrets Manager and no build of its own to start, whatever is attached to the role later.
 */
export class PullRequestPipeline extends Construct {
  public readonly checks: PipelineProject;
  public readonly pipeline: codepipeline.Pipeline;
  /** Its own artifact bucket: a pull request's build never shares storage with the main pipeline. */
  public readonly artifactBucket: s3.Bucket;
  public readonly boundary: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: PullRequestPipelineProps) {
    super(scope, id);
    const { cache, baseParameter } = props;
    this.checks = new PipelineProject(this, 'Checks', {
      buildSpec: PULL_REQUEST_BUILDSPEC,
      description: 'Pull-request checks: install, base, cache (read-only), checks. No images, no deploy.',
      computeType: codebuild.ComputeType.LARGE,
      environmentVariables: {
        GANTRY_BASE_PARAMETER: baseParameter.parameterName,
        GANTRY_CACHE_BUCKET: cache.bucket.bucketName,
        GANTRY_CACHE_PREFIX: cache.prefix,
        GANTRY_CACHE_REGION: Stack.of(this).region,
        GANTRY_CACHE_MODE: 'read-only',
      },
    });
    const role = this.checks.role;
    cache.grantRead(role);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadLastDeployedCommit',
        actions: ['ssm:GetParameter'],
        resources: [baseParameter.parameterArn],
      }),
    );

    this.artifactBucket = new s3.Bucket(this, 'ArtifactBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.DESTROY,
      lifecycleRules: [{ expiration: Duration.days(7) }],
    });
    this.boundary = new codebuild.UntrustedCodeBoundaryPolicy(this, 'Boundary', {
      additionalStatements: [
        new iam.PolicyStatement({
          actions: ['s3:GetObject*', 's3:GetBucket*', 's3:List*'],
          resources: [this.artifactBucket.bucketArn, this.artifactBucket.arnForObjects('*')],
        }),
        new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [cache.bucket.bucketArn] }),
        new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [cache.entries()] }),
        new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: [baseParameter.parameterArn] }),
        new iam.PolicyStatement({ actions: ['codestar-connections:UseConnection'], resources: [props.connectionArn] }),
        // The base policy allows starting builds; code under review must never start one of main's stages
        // (a buildspec override on the record project would read the push token).
        new iam.PolicyStatement({
          effect: iam.Effect.DENY,
          actions: ['codebuild:StartBuild', 'codebuild:RetryBuild', 'codebuild:StopBuild'],
          resources: ['*'],
        }),
      ],
    });
    iam.PermissionsBoundary.of(role).apply(this.boundary);
    cache.acknowledgeEntries(this.boundary);
    Validations.of(this.boundary).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        "CDK's UntrustedCodeBoundaryPolicy: the most a pull-request build may ever do (logs, reports, image pulls, VPC interfaces); a boundary grants nothing by itself.",
    });

    const source = new codepipeline.Artifact('PullRequestSource');
    const sourceAction = new actions.CodeStarConnectionsSourceAction({
      actionName: 'GitHub',
      connectionArn: props.connectionArn,
      owner: props.githubOwner,
      repo: props.githubRepo,
      branch: props.branch,
      output: source,
      // Full clone: the checks diff the pull request against the last deployed commit.
      codeBuildCloneOutput: true,
      // Started by the pull-request trigger below, never by a push.
      triggerOnPush: false,
    });
    this.pipeline = new codepipeline.Pipeline(this, 'Pipeline', {
      pipelineType: codepipeline.PipelineType.V2,
      // Pull requests are independent of each other, and none of them deploys.
      executionMode: codepipeline.ExecutionMode.PARALLEL,
      artifactBucket: this.artifactBucket,
      restartExecutionOnUpdate: false,
      triggers: [
        {
          providerType: codepipeline.ProviderType.CODE_STAR_SOURCE_CONNECTION,
          gitConfiguration: {
            sourceAction,
            pullRequestFilter: [
              {
                branchesIncludes: [props.branch],
                events: [codepipeline.GitPullRequestEvent.OPEN, codepipeline.GitPullRequestEvent.UPDATED],
              },
            ],
          },
        },
      ],
      stages: [
        { stageName: 'Source', actions: [sourceAction] },
        {
          stageName: 'Checks',
          actions: [new actions.CodeBuildAction({ actionName: 'Checks', project: this.checks.project, input: source })],
        },
      ],
    });
    acknowledgeArtifactGrants(this.artifactBucket, [role, this.pipeline, this.boundary]);
  }
}
