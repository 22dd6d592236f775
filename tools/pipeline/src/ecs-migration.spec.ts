import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  type Failure,
  type LogConfiguration,
  type NetworkConfiguration,
  type Service,
  type Tag,
  type Task,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import {
  MigrationTaskError,
  registrationFrom,
  runMigrationTask,
  type EcsLike,
  type LogsLike,
  type MigrationTaskInput,
} from './ecs-migration';

const CLUSTER = 'Gantry-dev-Platform-ClusterEB0386A7-x1y2z3';
const NEW_IMAGE = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/gantry/orders@sha256:${'b'.repeat(64)}`;
const OLD_IMAGE = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/gantry/orders@sha256:${'a'.repeat(64)}`;
const TASK_ARN = `arn:aws:ecs:eu-west-1:123456789012:task/${CLUSTER}/0f1e2d3c4b5a69788796a5b4c3d2e1f0`;
const TASK_ID = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';
const RUNNING_DEFINITION = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/gantry-dev-orders:7';
const COPY_DEFINITION = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/gantry-dev-orders:8';

const NETWORK: NetworkConfiguration = {
  awsvpcConfiguration: { subnets: ['subnet-1', 'subnet-2'], securityGroups: ['sg-orders'], assignPublicIp: 'DISABLED' },
};

const SERVICE: Service = {
  serviceName: 'gantry-dev-orders',
  status: 'ACTIVE',
  taskDefinition: RUNNING_DEFINITION,
  launchType: 'FARGATE',
  platformVersion: 'LATEST',
  networkConfiguration: NETWORK,
};

const APP_LOGGING: LogConfiguration = {
  logDriver: 'awslogs',
  options: { 'awslogs-group': '/gantry/dev/orders', 'awslogs-stream-prefix': 'orders', 'awslogs-region': 'eu-west-1' },
};

/** What DescribeTaskDefinition answers for the running revision, read-only fields included. */
const DEFINITION: TaskDefinition = {
  taskDefinitionArn: RUNNING_DEFINITION,
  family: 'gantry-dev-orders',
  revision: 7,
  status: 'ACTIVE',
  taskRoleArn: 'arn:aws:iam::123456789012:role/gantry-dev-orders-task',
  executionRoleArn: 'arn:aws:iam::123456789012:role/gantry-dev-orders-exec',
  networkMode: 'awsvpc',
  cpu: '256',
  memory: '512',
  requiresCompatibilities: ['FARGATE'],
  compatibilities: ['EC2', 'FARGATE'],
  runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' },
  ephemeralStorage: { sizeInGiB: 21 },
  volumes: [],
  requiresAttributes: [{ name: 'com.amazonaws.ecs.capability.logging-driver.awslogs' }],
  registeredAt: new Date('2025-01-01T00:00:00Z'),
  registeredBy: 'arn:aws:sts::123456789012:assumed-role/cfn-exec/AWSCloudFormation',
  containerDefinitions: [
    {
      name: 'app',
      image: OLD_IMAGE,
      essential: true,
      user: 'node',
      environment: [{ name: 'PORT', value: '3004' }],
      secrets: [{ name: 'DB_HOST', valueFrom: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db:host::' }],
      dockerLabels: { 'org.opencontainers.image.version': '0.3.0' },
      logConfiguration: APP_LOGGING,
    },
    { name: 'otel', image: 'public.ecr.aws/aws-observability/aws-otel-collector:v0.43.0', essential: false },
  ],
};

const TAGS: Tag[] = [
  { key: 'gantry:service', value: 'orders' },
  { key: 'aws:cloudformation:stack-name', value: 'Gantry-dev-Service-orders' },
];

/** The registration a copy of DEFINITION with NEW_IMAGE must send: read-only fields and `aws:` tags gone. */
const EXPECTED_REGISTRATION = {
  family: 'gantry-dev-orders',
  taskRoleArn: 'arn:aws:iam::123456789012:role/gantry-dev-orders-task',
  executionRoleArn: 'arn:aws:iam::123456789012:role/gantry-dev-orders-exec',
  networkMode: 'awsvpc',
  cpu: '256',
  memory: '512',
  requiresCompatibilities: ['FARGATE'],
  runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' },
  ephemeralStorage: { sizeInGiB: 21 },
  volumes: [],
  containerDefinitions: [
    { ...DEFINITION.containerDefinitions?.[0], image: NEW_IMAGE },
    DEFINITION.containerDefinitions?.[1],
  ],
  tags: [{ key: 'gantry:service', value: 'orders' }],
};

const INPUT: MigrationTaskInput = {
  cluster: CLUSTER,
  service: 'gantry-dev-orders',
  image: NEW_IMAGE,
  serviceName: 'orders',
  timeoutMs: 60_000,
  pollMs: 6_000,
};

const stoppedWith = (app: Task['containers'] extends (infer C)[] | undefined ? C : never, task: Partial<Task> = {}) =>
  ({ lastStatus: 'STOPPED', containers: [{ name: 'app', ...app }], ...task }) as Task;

const line = (entry: object) => JSON.stringify({ time: 1735689600000, service: 'orders', ...entry });

interface Scenario {
  /** DescribeServices' answer: the service, or none (with ECS's MISSING failure). */
  service?: Service | null;
  runFailures?: Failure[];
  /** DescribeTasks' answers, in order; the last one repeats. */
  tasks?: Array<Task | undefined>;
  /** The log's events, oldest first, or the error GetLogEvents throws. */
  logEvents?: string[] | Error;
}

/** A fake ECS and CloudWatch Logs on a virtual clock: every call is recorded, and sleeping only moves the clock. */
function fakeAws(scenario: Scenario = {}) {
  const calls: Array<{ command: string; input: unknown }> = [];
  const lines: string[] = [];
  let clock = 0;
  let polls = 0;
  const tasks = scenario.tasks ?? [stoppedWith({ exitCode: 0 })];
  const answer = (command: object): object => {
    if (command instanceof DescribeServicesCommand) {
      return scenario.service === null
        ? { services: [], failures: [{ arn: 'arn:aws:ecs:…:service/gantry-dev-orders', reason: 'MISSING' }] }
        : { services: [scenario.service ?? SERVICE], failures: [] };
    }
    if (command instanceof DescribeTaskDefinitionCommand) return { taskDefinition: DEFINITION, tags: TAGS };
    if (command instanceof RegisterTaskDefinitionCommand) {
      return { taskDefinition: { ...command.input, taskDefinitionArn: COPY_DEFINITION, revision: 8 } };
    }
    if (command instanceof RunTaskCommand) {
      return scenario.runFailures
        ? { tasks: [], failures: scenario.runFailures }
        : { tasks: [{ taskArn: TASK_ARN, lastStatus: 'PROVISIONING' }], failures: [] };
    }
    if (command instanceof DescribeTasksCommand) {
      const task = tasks[Math.min(polls++, tasks.length - 1)];
      return task ? { tasks: [{ taskArn: TASK_ARN, ...task }], failures: [] } : { tasks: [], failures: [] };
    }
    if (command instanceof StopTaskCommand) return { task: { taskArn: TASK_ARN, lastStatus: 'STOPPING' } };
    throw new Error(`the fake does not know ${command.constructor.name}`);
  };
  const ecs: EcsLike = {
    send: async (command: { input: unknown }) => {
      calls.push({ command: command.constructor.name, input: command.input });
      return answer(command) as never;
    },
  };
  const logs: LogsLike = {
    getLogEvents: async (input) => {
      calls.push({ command: 'GetLogEvents', input });
      if (scenario.logEvents instanceof Error) throw scenario.logEvents;
      return { events: (scenario.logEvents ?? []).map((message) => ({ message })) };
    },
  };
  const deps = {
    ecs,
    logs,
    log: (text: string) => lines.push(text),
    now: () => clock,
    sleep: async (ms: number) => {
      clock += ms;
    },
  };
  const inputsOf = (command: string) => calls.filter((c) => c.command === command).map((c) => c.input);
  return { deps, calls, lines, inputsOf };
}

describe('registrationFrom', () => {
  it('copies every registrable field, drops the read-only ones and aws: tags, and changes only the app image', () => {
    expect(registrationFrom(DEFINITION, TAGS, NEW_IMAGE)).toEqual(EXPECTED_REGISTRATION);
    expect(DEFINITION.containerDefinitions?.[0]?.image).toBe(OLD_IMAGE);
  });

  it('sends no tags when the task definition has none of its own', () => {
    expect(registrationFrom(DEFINITION, [TAGS[1] as Tag], NEW_IMAGE)).not.toHaveProperty('tags');
  });

  it('refuses a task definition without an app container, naming the containers it has', () => {
    const other = { ...DEFINITION, containerDefinitions: [{ name: 'web', image: OLD_IMAGE }] };
    expect(() => registrationFrom(other, [], NEW_IMAGE)).toThrow(
      `task definition ${RUNNING_DEFINITION} has no container named "app" (its containers: "web"), so the migrate command has nowhere to run`,
    );
  });
});

describe('runMigrationTask', () => {
  it("registers a copy of the running task definition with only the app image changed, and runs it with the migrate command and the service's network configuration", async () => {
    const aws = fakeAws();

    await runMigrationTask(INPUT, aws.deps);

    expect(aws.inputsOf('DescribeServicesCommand')).toEqual([{ cluster: CLUSTER, services: ['gantry-dev-orders'] }]);
    expect(aws.inputsOf('DescribeTaskDefinitionCommand')).toEqual([
      { taskDefinition: RUNNING_DEFINITION, include: ['TAGS'] },
    ]);
    expect(aws.inputsOf('RegisterTaskDefinitionCommand')).toEqual([EXPECTED_REGISTRATION]);
    expect(aws.inputsOf('RunTaskCommand')).toEqual([
      {
        cluster: CLUSTER,
        taskDefinition: COPY_DEFINITION,
        launchType: 'FARGATE',
        platformVersion: 'LATEST',
        networkConfiguration: NETWORK,
        startedBy: 'gantry-migrate',
        count: 1,
        overrides: { containerOverrides: [{ name: 'app', command: ['node', '/app/main.js', 'migrate'] }] },
      },
    ]);
  });

  it("runs the task with the service's capacity provider strategy, and then without a launch type", async () => {
    const capacityProviderStrategy = [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }];
    const aws = fakeAws({ service: { ...SERVICE, launchType: undefined, capacityProviderStrategy } });

    await runMigrationTask(INPUT, aws.deps);

    const [run] = aws.inputsOf('RunTaskCommand');
    expect(run).toMatchObject({ capacityProviderStrategy });
    expect(run).not.toHaveProperty('launchType');
  });

  it('returns once the task stops with exit 0, having logged its status changes', async () => {
    const aws = fakeAws({
      tasks: [
        undefined,
        { lastStatus: 'PENDING' },
        { lastStatus: 'RUNNING' },
        { lastStatus: 'RUNNING' },
        stoppedWith({ exitCode: 0 }),
      ],
    });

    const result = await runMigrationTask(INPUT, aws.deps);

    expect(result).toEqual({ taskArn: TASK_ARN, taskDefinitionArn: COPY_DEFINITION, exitCode: 0 });
    expect(aws.lines).toEqual([
      `orders: registered ${COPY_DEFINITION} to migrate with ${NEW_IMAGE}`,
      `orders: migration task ${TASK_ID} started (PROVISIONING)`,
      `orders: migration task ${TASK_ID} PROVISIONING → PENDING`,
      `orders: migration task ${TASK_ID} PENDING → RUNNING`,
      `orders: migration task ${TASK_ID} RUNNING → STOPPED`,
      `orders: migrations applied (migration task ${TASK_ID} exited 0)`,
    ]);
    expect(aws.inputsOf('DescribeTasksCommand')).toHaveLength(5);
    expect(aws.inputsOf('GetLogEvents')).toEqual([]);
  });

  it('throws a MigrationTaskError naming the failed migration and its reason from the log, for exit 1', async () => {
    const aws = fakeAws({
      tasks: [stoppedWith({ exitCode: 1 }, { stoppedReason: 'Essential container in task exited' })],
      logEvents: [
        line({ level: 'info', msg: 'applying 0002_add_note' }),
        line({
          level: 'error',
          msg: 'migration 0002_add_note failed: column "x" does not exist',
          migration: '0002_add_note',
        }),
        'node: process exiting',
      ],
    });

    const error = await runMigrationTask(INPUT, aws.deps).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MigrationTaskError);
    expect(error).toMatchObject({
      message:
        'orders: migration 0002_add_note failed: column "x" does not exist (exit 1); the service was not deployed and keeps running its current version',
      migration: '0002_add_note',
      reason: 'migration 0002_add_note failed: column "x" does not exist',
      exitCode: 1,
    });
    expect(aws.inputsOf('GetLogEvents')).toEqual([
      {
        logGroupName: '/gantry/dev/orders',
        logStreamName: `orders/app/${TASK_ID}`,
        startFromHead: false,
        limit: 50,
      },
    ]);
  });

  it('names a bad configuration once, though the migrate command prefixes it with the service', async () => {
    const aws = fakeAws({
      tasks: [stoppedWith({ exitCode: 78 })],
      logEvents: [line({ level: 'error', msg: 'orders: DB_HOST is required' })],
    });

    await expect(runMigrationTask(INPUT, aws.deps)).rejects.toThrow(
      'orders: DB_HOST is required (exit 78); the service was not deployed and keeps running its current version',
    );
  });

  it('reports a task that stopped without an exit code with its stoppedReason', async () => {
    const pull =
      'CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to resolve ref: not found';
    const aws = fakeAws({
      tasks: [stoppedWith({ reason: pull }, { stoppedReason: 'Task failed to start' })],
      logEvents: new Error('The specified log stream does not exist.'),
    });

    const error = await runMigrationTask(INPUT, aws.deps).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MigrationTaskError);
    expect(error).toMatchObject({
      message: `orders: the migration task ${TASK_ID} stopped without an exit code: ${pull}; Task failed to start; the service was not deployed and keeps running its current version`,
      reason: `${pull}; Task failed to start`,
      exitCode: undefined,
      migration: undefined,
    });
  });

  it('falls back to the exit code and says so when the log cannot be read', async () => {
    const aws = fakeAws({
      tasks: [stoppedWith({ exitCode: 1 }, { stoppedReason: 'Essential container in task exited' })],
      logEvents: new Error('User is not authorized to perform: logs:GetLogEvents'),
    });

    await expect(runMigrationTask(INPUT, aws.deps)).rejects.toThrow(
      `orders: the migration task ${TASK_ID} exited with 1 (Essential container in task exited); its log /gantry/dev/orders:orders/app/${TASK_ID} could not be read (User is not authorized to perform: logs:GetLogEvents); the service was not deployed and keeps running its current version`,
    );
  });

  it('stops the task and throws after the timeout', async () => {
    const aws = fakeAws({ tasks: [{ lastStatus: 'RUNNING' }] });

    const error = await runMigrationTask(INPUT, aws.deps).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MigrationTaskError);
    expect((error as Error).message).toBe(
      `orders: the migration task ${TASK_ID} did not finish within 1 min and was stopped; the service was not deployed and keeps running its current version`,
    );
    expect(aws.inputsOf('DescribeTasksCommand')).toHaveLength(10);
    expect(aws.inputsOf('StopTaskCommand')).toEqual([
      { cluster: CLUSTER, task: TASK_ARN, reason: 'the migrate step gave up after 1 min' },
    ]);
  });

  it('refuses a service that does not exist yet, with the message telling what to do', async () => {
    const refusal =
      'orders has no ECS service gantry-dev-orders in ' +
      `${CLUSTER} yet, so there is no task definition to run its migrations with; ` +
      'deploy its stacks once with `npm run pipeline`, then deploy again to migrate';
    for (const service of [null, { ...SERVICE, status: 'INACTIVE' }]) {
      const aws = fakeAws({ service });

      await expect(runMigrationTask(INPUT, aws.deps)).rejects.toThrow(refusal);
      expect(aws.calls.map((c) => c.command)).toEqual(['DescribeServicesCommand']);
    }
  });

  it("throws naming RunTask's failure reason", async () => {
    const aws = fakeAws({
      runFailures: [{ arn: 'arn:aws:ecs:eu-west-1:123456789012:container-instance/x', reason: 'RESOURCE:ENI' }],
    });

    await expect(runMigrationTask(INPUT, aws.deps)).rejects.toThrow(
      'orders: ECS could not start the migration task (RESOURCE:ENI); the service was not deployed and keeps running its current version',
    );
    expect(aws.inputsOf('DescribeTasksCommand')).toEqual([]);
  });

  it('accepts the real ECS client', () => {
    const ecs: EcsLike = new ECSClient({ region: 'eu-west-1' });
    expect(typeof ecs.send).toBe('function');
  });
});
