import { CfnResource, Duration, RemovalPolicy, Stack, Token, ValidationError, Validations } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, type IConstruct } from 'constructs';
import { errorName } from '../errors';

export interface PipelineProjectProps {
  /** The buildspec the project runs, relative to the repository root, e.g. `tools/pipeline/buildspecs/deploy.yml`. */
  readonly buildSpec: string;
  /** What the stage does: the project's and its role's description. */
  readonly description: string;
  /**
   * Docker-in-Docker: only the stage that builds images needs it.
   * @default false
   */
  readonly privileged?: boolean;
  /** @default ComputeType.SMALL */
  readonly computeType?: codebuild.ComputeType;
  /**
   * Plain-text variables, and nothing else: a secret never becomes a build-wide variable. A step that
   * needs one reads it at run time with its own role, given only the secret's name.
   * @default none
   */
  readonly environmentVariables?: Readonly<Record<string, string>>;
  /** @default Duration.minutes(30) */
  readonly timeout?: Duration;
  /**
   * Run as a CodeBuild batch build of at most this many builds (the buildspec's build-list says which):
   * each build gets the project's compute type and the project's timeout, and their artifacts are combined.
   * @default not a batch project
   */
  readonly batchBuilds?: number;
  /**
   * The role the project runs as, for a role that others must name before the project exists (the cache
   * bucket's one writer). It must be assumable by CodeBuild and used by no other project.
   * @default a new role
   */
  readonly role?: iam.Role;
}

/**
 * One stage of a pipeline: a CodeBuild project with a role of its own, which holds nothing but what the
 * stage is given (the stack grants each role its permissions) and what CodePipeline and CDK add for
 * every project: its logs, its report groups, and the pipeline's artifacts.
 */
export class PipelineProject extends Construct {
  public readonly project: codebuild.PipelineProject;
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;
  public readonly buildSpec: string;

  constructor(scope: Construct, id: string, props: PipelineProjectProps) {
    super(scope, id);
    if (!/^[\w-]+(\/[\w.-]+)*\.ya?ml$/.test(props.buildSpec) || props.buildSpec.includes('..')) {
      throw new ValidationError(
        errorName('PipelineProjectBuildSpec'),
        `PipelineProject: props.buildSpec must be a .yml path inside the repository, got ${JSON.stringify(props.buildSpec)}`,
        this,
      );
    }
    this.buildSpec = props.buildSpec;
    this.role =
      props.role ??
      new iam.Role(this, 'Role', {
        assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com'),
        description: props.description,
      });
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.project = new codebuild.PipelineProject(this, 'Project', {
      description: props.description,
      role: this.role,
      buildSpec: codebuild.BuildSpec.fromSourceFilename(props.buildSpec),
      environment: {
        buildImage: codebuild.LinuxArmBuildImage.AMAZON_LINUX_2023_STANDARD_3_0,
        computeType: props.computeType ?? codebuild.ComputeType.SMALL,
        privileged: props.privileged ?? false,
      },
      environmentVariables: Object.fromEntries(
        Object.entries(props.environmentVariables ?? {}).map(([name, value]) => [
          name,
          { type: codebuild.BuildEnvironmentVariableType.PLAINTEXT, value },
        ]),
      ),
      logging: { cloudWatch: { logGroup: this.logGroup } },
      timeout: props.timeout ?? Duration.minutes(30),
    });
    if (props.batchBuilds !== undefined) this.enableBatch(props.batchBuilds, props);
    this.acknowledgeDefaults();
  }

  /** Batch builds, bounded: no buildspec can start more builds, bigger hosts or longer runs than these. */
  private enableBatch(builds: number, props: PipelineProjectProps): void {
    if (!Number.isInteger(builds) || builds < 1 || builds > 100) {
      throw new ValidationError(
        errorName('PipelineProjectBatchBuilds'),
        `PipelineProject: props.batchBuilds must be a whole number from 1 to 100 (CodeBuild's limit), got ${builds}`,
        this,
      );
    }
    this.project.enableBatchBuilds();
    // The L2 sets only the batch service role; the limits have no L2 property yet.
    const cfn = this.project.node.defaultChild as codebuild.CfnProject;
    cfn.addPropertyOverride('BuildBatchConfig.CombineArtifacts', true);
    cfn.addPropertyOverride('BuildBatchConfig.TimeoutInMins', (props.timeout ?? Duration.minutes(30)).toMinutes());
    cfn.addPropertyOverride('BuildBatchConfig.Restrictions', {
      MaximumBuildsAllowed: builds,
      ComputeTypesAllowed: [props.computeType ?? codebuild.ComputeType.SMALL],
    });
  }

  /** The cdk-nag findings every project has, for what CDK grants each one. */
  private acknowledgeDefaults(): void {
    const stack = Stack.of(this);
    const project = stack.resolve(stack.getLogicalId(this.project.node.defaultChild as CfnResource)) as string;
    // Spelled as cdk-nag prints the findings; an environment-agnostic stack has pseudo-parameters there.
    const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
    const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
    // The role may live outside this construct (props.role), so it is acknowledged on its own too.
    const ack = (id: string, reason: string) => {
      for (const scope of [this, this.role]) Validations.of(scope).acknowledge({ id, reason });
    };
    ack(
      'AwsSolutions-CB4',
      "Build outputs go to S3 buckets encrypted with S3-managed keys that only this pipeline's roles can read; a customer-managed KMS key adds cost without adding a control here.",
    );
    ack(
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:codebuild:${region}:${account}:report-group/<${project}>-*]`,
      'CDK default: CodeBuild report groups (JUnit reports) named after this project only.',
    );
    ack(
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:${region}:${account}:log-group:/aws/codebuild/<${project}>:*]`,
      "CDK default: log streams of this project's own log group; stream names are per build.",
    );
  }
}

/**
 * Acknowledges the grants CodePipeline makes on its artifact bucket to `scopes` (its own roles and each
 * stage's): object-level wildcards, confined to that one bucket.
 */
export function acknowledgeArtifactGrants(bucket: s3.Bucket, scopes: readonly IConstruct[]): void {
  const stack = Stack.of(bucket);
  const id = stack.resolve(stack.getLogicalId(bucket.node.defaultChild as CfnResource)) as string;
  const findings = [
    'Action::s3:Abort*',
    'Action::s3:DeleteObject*',
    'Action::s3:GetBucket*',
    'Action::s3:GetObject*',
    'Action::s3:List*',
    `Resource::<${id}.Arn>/*`,
  ];
  for (const scope of scopes) {
    for (const finding of findings) {
      Validations.of(scope).acknowledge({
        id: `AwsSolutions-IAM5[${finding}]`,
        reason:
          "CodePipeline artifact grant generated by CDK: object wildcards confined to this pipeline's own artifact bucket.",
      });
    }
  }
  Validations.of(bucket).acknowledge({
    id: 'AwsSolutions-S1',
    reason:
      'Holds only disposable build artifacts that the lifecycle rule expires; server access logs would cost more than the data is worth.',
  });
}
