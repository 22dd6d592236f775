import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { SmokeTarget } from '@gantry/smoke-checks';
import { Construct } from 'constructs';
import { join } from 'node:path';
import { hookEnvironment } from '../hooks/test-traffic-check';

/** How long the hook keeps trying the new tasks through the test route before it fails the deployment. */
export const TEST_CHECK_WINDOW = Duration.minutes(2);
/** The pause between two tries of the hook. */
export const TEST_CHECK_PAUSE = Duration.seconds(5);
/** The workspace root: the bundle resolves @gantry/* from here, offline, with the root lock file. */
const WORKSPACE_ROOT = join(__dirname, '..', '..', '..');

export interface TestTrafficCheckHookProps {
  /** The shared ALB's base URL. */
  readonly platformUrl: string;
  /** The service, its prefix and the version being deployed (a token when CloudFormation reads it from SSM). */
  readonly target: SmokeTarget;
  /**
   * Days to keep the function's logs.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The check before production traffic: a Lambda function (bundled with esbuild at synth, offline) that runs
 * `checkService` through the test route (`infra/src/hooks/test-traffic-check.ts`), and the ECS lifecycle hook that
 * invokes it at POST_TEST_TRAFFIC_SHIFT, when test traffic reaches the new tasks and production traffic does not.
 */
export class TestTrafficCheckHook extends Construct {
  public readonly function: nodejs.NodejsFunction;
  public readonly logGroup: logs.LogGroup;
  /** The role ECS uses to invoke the function; it may invoke nothing else. */
  public readonly invoker: iam.Role;
  /** Pass to `service.addLifecycleHook`. */
  public readonly hook: ecs.DeploymentLifecycleLambdaTarget;

  constructor(scope: Construct, id: string, props: TestTrafficCheckHookProps) {
    super(scope, id);
    const { service } = props.target;
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${service}'s check before production traffic; it only writes its own logs`,
    });
    this.logGroup.grantWrite(role);
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      description: `${service}: checks the new version through the test route before production traffic`,
      entry: join(__dirname, '..', 'hooks', 'test-traffic-check.handler.ts'),
      depsLockFilePath: join(WORKSPACE_ROOT, 'package-lock.json'),
      projectRoot: WORKSPACE_ROOT,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      // The window, plus one last try (two requests of at most 5 s each) and slack.
      timeout: TEST_CHECK_WINDOW.plus(Duration.seconds(30)),
      role,
      logGroup: this.logGroup,
      // CloudFormation updates the function before the service that references it, so it names the new version.
      environment: hookEnvironment({
        platformUrl: props.platformUrl,
        target: props.target,
        windowSeconds: TEST_CHECK_WINDOW.toSeconds(),
        pauseSeconds: TEST_CHECK_PAUSE.toSeconds(),
      }),
      bundling: { target: 'node24', logLevel: nodejs.LogLevel.ERROR },
    });
    this.invoker = new iam.Role(this, 'Invoker', {
      assumedBy: new iam.ServicePrincipal('ecs.amazonaws.com'),
      description: `ECS invokes ${service}'s check before production traffic`,
    });
    this.invoker.addToPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.function.functionArn] }),
    );
    this.hook = new ecs.DeploymentLifecycleLambdaTarget(this.function, id, {
      role: this.invoker,
      lifecycleStages: [ecs.DeploymentLifecycleStage.POST_TEST_TRAFFIC_SHIFT],
    });
  }
}
