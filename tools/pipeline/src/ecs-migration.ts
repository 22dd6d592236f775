import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  type DescribeServicesCommandOutput,
  type DescribeTaskDefinitionCommandOutput,
  type DescribeTasksCommandOutput,
  type RegisterTaskDefinitionCommandInput,
  type RegisterTaskDefinitionCommandOutput,
  type RunTaskCommandInput,
  type RunTaskCommandOutput,
  type StopTaskCommandOutput,
  type Tag,
  type Task,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { APP_CONTAINER_NAME, MIGRATE_COMMAND } from '@gantry/service-catalog';

/** The task definition's one container, whose command the migration task overrides. */
export const MIGRATION_CONTAINER = APP_CONTAINER_NAME;
/** RunTask's `startedBy`: tells a migration task from the service's own tasks in the console and in events. */
export const MIGRATION_STARTED_BY = 'gantry-migrate';

const DEFAULT_TIMEOUT_MS = 15 * 60_000;
const DEFAULT_POLL_MS = 6_000;
/** Enough of the log's tail to hold the migrate command's last line, which is its verdict. */
const LOG_TAIL_EVENTS = 50;
const NOT_DEPLOYED = 'the service was not deployed and keeps running its current version';

/** The ECS calls the migrate step makes: `ECSClient` fits, and tests inject a fake. */
export interface EcsLike {
  send(command: DescribeServicesCommand): Promise<DescribeServicesCommandOutput>;
  send(command: DescribeTaskDefinitionCommand): Promise<DescribeTaskDefinitionCommandOutput>;
  send(command: RegisterTaskDefinitionCommand): Promise<RegisterTaskDefinitionCommandOutput>;
  send(command: RunTaskCommand): Promise<RunTaskCommandOutput>;
  send(command: DescribeTasksCommand): Promise<DescribeTasksCommandOutput>;
  send(command: StopTaskCommand): Promise<StopTaskCommandOutput>;
}

/** The one CloudWatch Logs call the step makes: the aggregated `CloudWatchLogs` client fits, and tests inject a fake. */
export interface LogsLike {
  getLogEvents(input: {
    logGroupName: string;
    logStreamName: string;
    startFromHead?: boolean;
    limit?: number;
  }): Promise<{ events?: Array<{ message?: string }> }>;
}

export interface MigrationTaskInput {
  /** The ECS cluster (`clusterName(envName)`). */
  cluster: string;
  /** The ECS service whose task definition and network the migration task borrows (`ecsNames(...).service`). */
  service: string;
  /** The image to migrate with, `<repository>@sha256:<digest>`: the one about to be deployed. */
  image: string;
  /** The catalog name, for messages. */
  serviceName: string;
  /** @default 15 minutes */
  timeoutMs?: number;
  /** @default 6 seconds */
  pollMs?: number;
}

export interface MigrationTaskDeps {
  ecs: EcsLike;
  logs: LogsLike;
  log: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export interface MigrationTaskResult {
  taskArn: string;
  taskDefinitionArn: string;
  exitCode: 0;
}

/** The migration task ran and did not succeed: a migration failed, the task could not start, or it ran too long. */
export class MigrationTaskError extends Error {
  override readonly name = 'MigrationTaskError';
  /** Why, in one phrase: the failed migration's message, ECS's stopped reason, or the timeout. */
  readonly reason: string;
  /** The migration the log names as failed. */
  readonly migration?: string;
  /** The app container's exit code, when it got one. */
  readonly exitCode?: number;

  constructor(message: string, details: { reason: string; migration?: string; exitCode?: number }) {
    super(message);
    this.reason = details.reason;
    this.migration = details.migration;
    this.exitCode = details.exitCode;
  }
}

type RegistrableField = Exclude<keyof RegisterTaskDefinitionCommandInput, 'tags'>;

// Every RegisterTaskDefinition field but tags: an SDK that adds one fails typecheck here until it is listed, and
// indexing a TaskDefinition with these keys fails if DescribeTaskDefinition does not return one of them.
const REGISTRABLE_FIELDS: Record<RegistrableField, true> = {
  family: true,
  taskRoleArn: true,
  executionRoleArn: true,
  networkMode: true,
  containerDefinitions: true,
  volumes: true,
  placementConstraints: true,
  requiresCompatibilities: true,
  cpu: true,
  memory: true,
  pidMode: true,
  ipcMode: true,
  proxyConfiguration: true,
  inferenceAccelerators: true,
  ephemeralStorage: true,
  runtimePlatform: true,
  enableFaultInjection: true,
};

/**
 * The registration of a copy of `taskDefinition` (same family, every registrable field) whose app container runs
 * `image`. Tags are copied except `aws:` ones, which only AWS may set and RegisterTaskDefinition rejects.
 */
export function registrationFrom(
  taskDefinition: TaskDefinition,
  tags: readonly Tag[] | undefined,
  image: string,
): RegisterTaskDefinitionCommandInput {
  const containers = taskDefinition.containerDefinitions ?? [];
  if (!containers.some((c) => c.name === MIGRATION_CONTAINER)) {
    const names = containers.map((c) => `"${c.name}"`).join(', ') || 'none';
    throw new Error(
      `task definition ${taskDefinition.taskDefinitionArn ?? taskDefinition.family} has no container named "${MIGRATION_CONTAINER}" (its containers: ${names}), so the migrate command has nowhere to run`,
    );
  }
  const copy: Partial<RegisterTaskDefinitionCommandInput> = {};
  for (const field of Object.keys(REGISTRABLE_FIELDS) as RegistrableField[]) {
    const value = taskDefinition[field];
    if (value !== undefined) Object.assign(copy, { [field]: value });
  }
  const userTags = (tags ?? []).filter((tag) => !tag.key?.startsWith('aws:'));
  return {
    ...copy,
    family: taskDefinition.family,
    containerDefinitions: containers.map((c) => (c.name === MIGRATION_CONTAINER ? { ...c, image } : c)),
    ...(userTags.length > 0 ? { tags: userTags } : {}),
  };
}

/**
 * Runs the service's migrations with `image` before the service is deployed: a copy of the service's running task
 * definition with only the app image changed, run once with `MIGRATE_COMMAND` in the service's network. Resolves
 * when the migrate command exits 0; otherwise throws, naming the failed migration and why from the task's log.
 */
export async function runMigrationTask(
  input: MigrationTaskInput,
  deps: MigrationTaskDeps,
): Promise<MigrationTaskResult> {
  const { cluster, serviceName: name } = input;
  const { ecs, log } = deps;
  const timeoutMs = input.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const pollMs = input.pollMs ?? DEFAULT_POLL_MS;
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  const described = await ecs.send(new DescribeServicesCommand({ cluster, services: [input.service] }));
  const service = described.services?.find((s) => s.serviceName === input.service || s.serviceArn === input.service);
  if (!service || service.status === 'INACTIVE' || !service.taskDefinition) {
    throw new Error(
      `${name} has no ECS service ${input.service} in ${cluster} yet, so there is no task definition to run its migrations with; deploy its stacks once with \`npm run pipeline\`, then deploy again to migrate`,
    );
  }

  const current = await ecs.send(
    new DescribeTaskDefinitionCommand({ taskDefinition: service.taskDefinition, include: ['TAGS'] }),
  );
  if (!current.taskDefinition)
    throw new Error(`ECS did not describe ${name}'s task definition ${service.taskDefinition}`);
  const registered = await ecs.send(
    new RegisterTaskDefinitionCommand(registrationFrom(current.taskDefinition, current.tags, input.image)),
  );
  const taskDefinitionArn = registered.taskDefinition?.taskDefinitionArn;
  if (!taskDefinitionArn) throw new Error(`ECS registered no task definition for ${name}'s migrations`);
  log(`${name}: registered ${taskDefinitionArn} to migrate with ${input.image}`);

  const capacity = service.capacityProviderStrategy?.length ? service.capacityProviderStrategy : undefined;
  const placement: Pick<RunTaskCommandInput, 'capacityProviderStrategy' | 'launchType'> = capacity
    ? { capacityProviderStrategy: capacity }
    : { launchType: 'FARGATE' };
  const run = await ecs.send(
    new RunTaskCommand({
      cluster,
      taskDefinition: taskDefinitionArn,
      ...placement,
      platformVersion: service.platformVersion,
      networkConfiguration: service.networkConfiguration,
      startedBy: MIGRATION_STARTED_BY,
      count: 1,
      overrides: { containerOverrides: [{ name: MIGRATION_CONTAINER, command: [...MIGRATE_COMMAND] }] },
    }),
  );
  const failure = run.failures?.[0];
  const started = run.tasks?.[0];
  if (failure || !started?.taskArn) {
    const why = failure
      ? [failure.reason, failure.detail].filter(Boolean).join(': ') || 'no reason given'
      : 'it returned no task';
    throw new Error(`${name}: ECS could not start the migration task (${why}); ${NOT_DEPLOYED}`);
  }
  const taskArn = started.taskArn;
  const taskId = taskArn.split('/').at(-1) as string;
  log(`${name}: migration task ${taskId} started (${started.lastStatus ?? 'PROVISIONING'})`);

  const deadline = now() + timeoutMs;
  let status = started.lastStatus;
  let stopped: Task | undefined;
  while (!stopped) {
    if (now() >= deadline) {
      const minutes = Math.round(timeoutMs / 60_000);
      const stopping = `the migrate step gave up after ${minutes} min`;
      const stopProblem = await ecs.send(new StopTaskCommand({ cluster, task: taskArn, reason: stopping })).then(
        () => '',
        (error: Error) => `; stopping it failed too (${error.message}), stop it by hand`,
      );
      throw new MigrationTaskError(
        `${name}: the migration task ${taskId} did not finish within ${minutes} min and was stopped${stopProblem}; ${NOT_DEPLOYED}`,
        { reason: `did not finish within ${minutes} min` },
      );
    }
    await sleep(pollMs);
    // Right after RunTask, DescribeTasks may not know the task yet: it is simply not there, and the loop asks again.
    const task = (await ecs.send(new DescribeTasksCommand({ cluster, tasks: [taskArn] }))).tasks?.[0];
    if (task?.lastStatus && task.lastStatus !== status) {
      log(`${name}: migration task ${taskId} ${status ?? 'started'} → ${task.lastStatus}`);
      status = task.lastStatus;
    }
    if (task?.lastStatus === 'STOPPED') stopped = task;
  }

  const container = stopped.containers?.find((c) => c.name === MIGRATION_CONTAINER);
  const exitCode = container?.exitCode;
  if (exitCode === 0) {
    log(`${name}: migrations applied (migration task ${taskId} exited 0)`);
    return { taskArn, taskDefinitionArn, exitCode: 0 };
  }

  const logConfiguration = current.taskDefinition.containerDefinitions?.find(
    (c) => c.name === MIGRATION_CONTAINER,
  )?.logConfiguration;
  const verdict = await lastErrorLine(deps.logs, logConfiguration?.options, taskId);
  const ecsReasons = [...new Set([container?.reason, stopped.stoppedReason].filter((r): r is string => !!r))];
  const ecsReason = ecsReasons.join('; ') || 'ECS gave no reason';
  if (verdict.line) {
    const msg = stripPrefix(verdict.line.msg, name);
    const how = exitCode === undefined ? `task stopped: ${ecsReason}` : `exit ${exitCode}`;
    throw new MigrationTaskError(`${name}: ${msg} (${how}); ${NOT_DEPLOYED}`, {
      reason: msg,
      migration: verdict.line.migration,
      exitCode,
    });
  }
  const what =
    exitCode === undefined ? `stopped without an exit code: ${ecsReason}` : `exited with ${exitCode} (${ecsReason})`;
  // A container that never started has no log, so its absence says nothing there.
  const logNote = exitCode === undefined ? '' : `; ${verdict.problem}`;
  throw new MigrationTaskError(`${name}: the migration task ${taskId} ${what}${logNote}; ${NOT_DEPLOYED}`, {
    reason: exitCode === undefined ? ecsReason : `exit ${exitCode}`,
    exitCode,
  });
}

interface ErrorLine {
  msg: string;
  migration?: string;
}

/** The last `level: error` JSON line of the task's app container log, or why there is none. */
async function lastErrorLine(
  logs: LogsLike,
  options: Record<string, string> | undefined,
  taskId: string,
): Promise<{ line?: ErrorLine; problem: string }> {
  const group = options?.['awslogs-group'];
  const prefix = options?.['awslogs-stream-prefix'];
  if (!group || !prefix) {
    return { problem: 'its log could not be read: the app container does not log to CloudWatch with a stream prefix' };
  }
  const stream = `${prefix}/${MIGRATION_CONTAINER}/${taskId}`;
  let messages: string[];
  try {
    const answer = await logs.getLogEvents({
      logGroupName: group,
      logStreamName: stream,
      startFromHead: false,
      limit: LOG_TAIL_EVENTS,
    });
    messages = (answer.events ?? []).map((e) => e.message ?? '');
  } catch (error) {
    return { problem: `its log ${group}:${stream} could not be read (${(error as Error).message})` };
  }
  for (const message of messages.reverse()) {
    const line = parseErrorLine(message);
    if (line) return { line, problem: '' };
  }
  return { problem: `its log ${group}:${stream} has no error line` };
}

function parseErrorLine(message: string): ErrorLine | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { level, msg, migration } = parsed as Record<string, unknown>;
  if (level !== 'error' || typeof msg !== 'string' || msg === '') return undefined;
  return typeof migration === 'string' ? { msg, migration } : { msg };
}

/** The migrate command prefixes some messages with the service's name; the error adds it once. */
function stripPrefix(msg: string, name: string): string {
  return msg.startsWith(`${name}: `) ? msg.slice(name.length + 2) : msg;
}

/** Whether the ECS service exists (and is not INACTIVE): a first deploy finds none to borrow a task definition from. */
export async function ecsServiceExists(ecs: EcsLike, cluster: string, service: string): Promise<boolean> {
  const { services = [] } = await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }));
  return services.some((s) => s.status !== undefined && s.status !== 'INACTIVE');
}
