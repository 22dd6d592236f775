import { runNx } from '@gantry/process';
import { coveredProjects } from '../affected';
import { shardSettings } from '../settings';
import { checkShardsComplete, runBusyShards, saveShardState, type ShardRecord } from '../shard-states';
import { shardFromEnv, shardSlice, type ShardId } from '../shards';
import { loadState, saveState } from '../state';
import type { StepContext } from '../step-context';
import { summarizeTasks, type TaskSummary } from '../task-summary';
import type { BaseState } from './base';

export const CHECK_TARGETS = ['lint', 'typecheck', 'test', 'build'];

export interface ChecksState extends TaskSummary {
  ok: boolean;
  /** The Nx projects this run covers (affected, or all): the images and deploy steps read them here. */
  projects: string[];
}

/** One build's part of sharded checks (GANTRY_SHARD): checks-shard-<i>-of-<n>.json. */
export type ChecksShardState = ChecksState & ShardRecord;

/** GANTRY_CHECKS_EXCLUDE: comma-separated projects or patterns (`tag:type:tool`) to leave out, as nx --exclude takes them. */
function excluded(env: NodeJS.ProcessEnv): string[] {
  return (env['GANTRY_CHECKS_EXCLUDE'] ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
}

/**
 * Step "checks": lint, typecheck, test and build of the affected projects (every project when there is no
 * base), in parallel; throws when a task fails, so nothing is versioned, pushed or deployed after a failure.
 * Run as shard i/n of a batch (GANTRY_SHARD), it checks only its share (shards.ts). Given more projects than
 * one build takes (GANTRY_SHARD_PROJECTS) and a way to run shards, it runs them and merges their states.
 */
export async function checksStep(context: StepContext): Promise<ChecksState> {
  const { root, env, log } = context;
  const decision = loadState<BaseState>(root, 'base');
  const exclude = excluded(env);
  if (exclude.length > 0) log(`leaving out of the checks: ${exclude.join(', ')}`);
  // Every affected project (the later steps read them), and those to check: two Nx processes at once.
  const [projects, checked] = await Promise.all([
    coveredProjects(root, decision, env),
    exclude.length > 0 ? coveredProjects(root, decision, env, exclude) : undefined,
  ]);
  const items = checked ?? projects;
  const settings = shardSettings(env);
  const shard = shardFromEnv(env);
  if (shard) return checksShard(context, { shard, perShard: settings.projectsPerShard, items, projects });

  const sharded = await runBusyShards<ChecksShardState>(context, {
    step: 'checks',
    items,
    limits: { count: settings.count, perShard: settings.projectsPerShard },
    what: 'projects to check',
    setting: 'GANTRY_SHARD_PROJECTS',
  });
  if (sharded) return finish(context, mergeChecksShards(sharded));
  const summary = await runChecks(context, items);
  return finish(context, { ...summary, projects: summary.ok ? projects : [] });
}

/** Lint, typecheck, test and build of `projects` (nothing to run for none). */
async function runChecks({ root, env, log }: StepContext, projects: string[]): Promise<TaskSummary & { ok: boolean }> {
  if (projects.length === 0) {
    log('no project to check');
    return { ok: true, ...summarizeTasks([]) };
  }
  // Two tasks at once suits a CodeBuild host; NX_PARALLEL (Nx's own setting) overrides it, as local shards do.
  const parallel = env['NX_PARALLEL'] || '2';
  const { code, lines } = await runNx(
    root,
    [
      'run-many',
      '-t',
      ...CHECK_TARGETS,
      `--projects=${projects.join(',')}`,
      `--parallel=${parallel}`,
      '--output-style=static',
    ],
    { env, onLine: log },
  );
  return { ok: code === 0, ...summarizeTasks(lines) };
}

async function checksShard(
  context: StepContext,
  plan: { shard: ShardId; perShard: number; items: string[]; projects: string[] },
): Promise<ChecksState> {
  const { shard, perShard, items, projects } = plan;
  const slice = shardSlice(items, perShard, shard);
  context.log(
    `shard ${shard.index}/${shard.count}: ${slice.length} of ${items.length} projects${slice.length ? `: ${slice.join(', ')}` : ''}`,
  );
  const summary = await runChecks(context, slice);
  const state: ChecksShardState = { ...summary, projects: summary.ok ? projects : [], shard, perShard, items, slice };
  saveShardState(context.root, 'checks', state);
  report(context, state);
  return state;
}

/** The checks of a whole batch from its shards' states: throws when a shard is missing or disagrees. */
export function mergeChecksShards(states: readonly ChecksShardState[]): ChecksState {
  checkShardsComplete('checks', states);
  const ok = states.every((state) => state.ok);
  const sum = (key: 'tasks' | 'ran' | 'localHits' | 'remoteHits') =>
    states.reduce((total, state) => total + state[key], 0);
  return {
    ok,
    tasks: sum('tasks'),
    ran: sum('ran'),
    localHits: sum('localHits'),
    remoteHits: sum('remoteHits'),
    failed: states.flatMap((state) => state.failed),
    projects: ok ? (states.find((state) => state.projects.length > 0)?.projects ?? []) : [],
  };
}

function finish(context: StepContext, result: ChecksState): ChecksState {
  saveState(context.root, 'checks', result);
  report(context, result);
  return result;
}

function report({ log }: StepContext, result: ChecksState): void {
  log(
    `checks: ${result.tasks} tasks, ${result.ran} ran, ${result.localHits} from the local cache, ${result.remoteHits} from the remote cache`,
  );
  if (!result.ok) {
    throw new Error(
      `checks failed (${result.failed.join(', ') || 'see the output above'}); nothing will be versioned, pushed or deployed`,
    );
  }
}
