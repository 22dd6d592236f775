import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeArtifactGrants, type PipelineProject } from './pipeline-project';

/** The stages of the main pipeline after its source, in order; each is one CodeBuild project with its own role. */
export const MAIN_STAGES = ['checks', 'release', 'images', 'deploy', 'record'] as const;
export type MainStage = (typeof MAIN_STAGES)[number];

export interface MainPipelineProps {
  /** CodeConnections connection ARN to GitHub. */
  readonly connectionArn: string;
  readonly githubOwner: string;
  readonly githubRepo: string;
  /** Pushes to this branch start the pipeline. */
  readonly branch: string;
  /** The project of each stage, whose role holds what that stage may do. */
  readonly stages: Readonly<Record<MainStage, PipelineProject>>;
}

/**
 * The trusted pipeline of main: Source → Checks → Release → Images → Deploy → Record, one CodeBuild project
 * per stage. Each stage gets its own full clone of the source commit as its primary input, and what earlier
 * stages left (their dist/pipeline/*.json and a git bundle of the release commit and tags) as extra inputs,
 * which its buildspec unpacks from $CODEBUILD_SRC_DIR_<artifact> (tools/pipeline/src/handoff.ts). Checks and
 * Images run as CodeBuild batch builds (their buildspecs' build-list), whose builds' artifacts are combined
 * into one, a folder per build; the next stage's unpack merges the shards. Version, deploy and record run once.
 */
export class MainPipeline extends Construct {
  public readonly pipeline: codepipeline.Pipeline;
  public readonly artifactBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: MainPipelineProps) {
    super(scope, id);
    const { checks, release, images, deploy, record } = props.stages;
    this.artifactBucket = new s3.Bucket(this, 'ArtifactBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.DESTROY,
      lifecycleRules: [{ expiration: Duration.days(30) }],
    });

    const source = new codepipeline.Artifact('Source');
    const checksState = new codepipeline.Artifact('ChecksState');
    const releaseState = new codepipeline.Artifact('ReleaseState');
    const imagesState = new codepipeline.Artifact('ImagesState');
    const deployState = new codepipeline.Artifact('DeployState');
    const sourceAction = new actions.CodeStarConnectionsSourceAction({
      actionName: 'GitHub',
      connectionArn: props.connectionArn,
      owner: props.githubOwner,
      repo: props.githubRepo,
      branch: props.branch,
      output: source,
      // Full clone: affected builds diff against the last deployed commit.
      codeBuildCloneOutput: true,
      triggerOnPush: true,
    });
    const stage = (stageName: string, action: actions.CodeBuildActionProps): codepipeline.StageProps => ({
      stageName,
      actions: [new actions.CodeBuildAction(action)],
    });
    // A batch's builds each leave their own artifact; combined, they arrive as one, a folder per build.
    const batch = { executeBatchBuild: true, combineBatchBuildArtifacts: true };
    // "Default" keeps the logical IDs the pipeline had before it moved into this construct.
    this.pipeline = new codepipeline.Pipeline(this, 'Default', {
      pipelineType: codepipeline.PipelineType.V2,
      // QUEUED: every push to main is built in order; SUPERSEDED could skip a commit's record stage
      // mid-run and move the affected base past work that never finished.
      executionMode: codepipeline.ExecutionMode.QUEUED,
      artifactBucket: this.artifactBucket,
      restartExecutionOnUpdate: false,
      triggers: [
        {
          providerType: codepipeline.ProviderType.CODE_STAR_SOURCE_CONNECTION,
          gitConfiguration: { sourceAction, pushFilter: [{ branchesIncludes: [props.branch] }] },
        },
      ],
      stages: [
        { stageName: 'Source', actions: [sourceAction] },
        stage('Checks', {
          actionName: 'Checks',
          project: checks.project,
          input: source,
          outputs: [checksState],
          ...batch,
        }),
        stage('Release', {
          actionName: 'Version',
          project: release.project,
          input: source,
          extraInputs: [checksState],
          outputs: [releaseState],
        }),
        stage('Images', {
          actionName: 'Images',
          project: images.project,
          input: source,
          extraInputs: [releaseState],
          outputs: [imagesState],
          ...batch,
        }),
        stage('Deploy', {
          actionName: 'DeployAndSmoke',
          project: deploy.project,
          input: source,
          extraInputs: [releaseState, imagesState],
          outputs: [deployState],
        }),
        stage('Record', {
          actionName: 'Record',
          project: record.project,
          input: source,
          extraInputs: [releaseState, imagesState, deployState],
        }),
      ],
    });
    acknowledgeArtifactGrants(this.artifactBucket, [
      this.pipeline,
      ...Object.values(props.stages).map((project) => project.role),
    ]);
  }
}
