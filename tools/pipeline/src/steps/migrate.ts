import { CloudWatchLogs } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient } from '@aws-sdk/client-ecs';
import { clusterName, ecsNames, repositoryName, type ServiceEntry } from '@gantry/service-catalog';
import { ecsServiceExists, runMigrationTask, type EcsLike, type LogsLike } from '../ecs-migration';
import { openLocalEnvironment, rollOut } from '../rollout';
import { repositoryPrefix } from '../settings';
import { saveState } from '../state';
import type { StepContext } from '../step-context';
import { plannedRelease } from './deploy';

export interface MigrateState {
  /** Each planned database service whose new image's migrations ran (or would run, in synth mode). */
  services: Array<{ service: string; version: string; outcome: 'migrated' | 'not-run'; detail: string }>;
}

/**
 * Step "migrate", just before deploy: for each planned service that declares a database, run the migrations
 * of the image about to be deployed, as a one-off task of that image (ECS RunTask with the service's task
 * definition and a command override; a container of the local stand-in) against the service's database, and
 * wait for it to exit 0. A failed migration stops the run here, so the deploy never starts and the running
 * version keeps serving; the error names the migration and why. Migrations only move forward: rollback never
 * runs this step (docs/database.md).
 */
export async function migrateStep(context: StepContext): Promise<MigrateState> {
  const { root, env, log, catalog } = context;
  const release = await plannedRelease(context, { describe: false });
  const planned = release.plan.services.flatMap((s) => {
    const entry = catalog.find((e) => e.name === s.service);
    return entry?.database ? [{ ...s, entry }] : [];
  });
  const state: MigrateState = { services: [] };
  if (planned.length === 0) {
    log('no planned service declares a database: nothing to migrate');
    return save(root, state);
  }
  const image = (service: string, digest: string) =>
    `${release.registry?.host ?? '<registry>'}/${repositoryName(service, repositoryPrefix(env))}@${digest}`;

  if (release.mode === 'synth') {
    for (const s of planned) {
      log(`${s.service} ${s.version}: GANTRY_DEPLOY is neither "cdk" nor "local": its migrations were not run`);
      state.services.push({ service: s.service, version: s.version, outcome: 'not-run', detail: 'synth only' });
    }
    return save(root, state);
  }
  const local = release.mode === 'local' ? await openLocalEnvironment(context) : undefined;
  for (const s of planned) {
    if (!s.digest) {
      throw new Error(
        `${s.service} ${s.version}: no image digest to migrate with; is GANTRY_REGISTRY set, and did the images step push it?`,
      );
    }
    const reference = image(s.service, s.digest);
    log(`${s.service} ${s.version}: running its migrations with ${reference}`);
    const detail = local
      ? await local.migrate(s.entry, { reference, version: s.version })
      : await migrateOnEcs(context, release.envName, s.entry, reference, {
          ecs: new ECSClient({}),
          logs: new CloudWatchLogs({}),
          // With the shared stacks when they are planned too: on the very first run they do not exist yet.
          createWithoutTasks: () =>
            rollOut(context, { platformStacks: release.plan.platformStacks, services: [s] }, 'cdk', release.registry, {
              withoutTasks: [s.service],
            }),
        });
    log(`${s.service} ${s.version}: ${detail}`);
    state.services.push({ service: s.service, version: s.version, outcome: 'migrated', detail });
    save(root, state);
  }
  return save(root, state);
}

export interface EcsMigrationDeps {
  ecs: EcsLike;
  logs: LogsLike;
  /** Deploys the service's stacks with no task (`-c withoutTasks`), so that a task definition exists. */
  createWithoutTasks: () => Promise<void>;
  /** Between polls of the task; tests pass one that does not wait. */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The migration task on ECS. A service's first deploy has no running task definition to borrow, so its stacks
 * are deployed first with no task and an autoscaling minimum of 0 (nothing serves on the empty schema); the
 * deploy step then restores its minimum, once the migrations ran.
 */
export async function migrateOnEcs(
  context: Pick<StepContext, 'log'>,
  envName: string,
  entry: ServiceEntry,
  image: string,
  deps: EcsMigrationDeps,
): Promise<string> {
  const cluster = clusterName(envName);
  const service = ecsNames(envName, entry.name).service;
  if (!(await ecsServiceExists(deps.ecs, cluster, service))) {
    context.log(
      `${entry.name}: first deploy: creating its stacks with no task, so that its migrations have a task definition to run with`,
    );
    await deps.createWithoutTasks();
  }
  const result = await runMigrationTask(
    { cluster, service, image, serviceName: entry.name },
    { ecs: deps.ecs, logs: deps.logs, log: context.log, sleep: deps.sleep },
  );
  return `migration task ${result.taskArn.split('/').pop()} exited 0`;
}

function save(root: string, state: MigrateState): MigrateState {
  saveState(root, 'migrate', state);
  return state;
}
