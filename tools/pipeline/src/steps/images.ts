import { rmSync } from 'node:fs';
import { dockerCli } from '@gantry/docker';
import { runImageStep, type RegistryClient, type ServiceImageResult } from '@gantry/images';
import { Git, runNx } from '@gantry/process';
import { repositoryName, serviceVersion } from '@gantry/service-catalog';
import { dockerConfigWith } from '../registry-login';
import { registryAccess, repositoryPrefix, requireRegistry, shardSettings } from '../settings';
import { checkShardsComplete, runBusyShards, saveShardState, type ShardRecord } from '../shard-states';
import { shardFromEnv, shardSlice } from '../shards';
import { loadState, saveState } from '../state';
import type { StepContext } from '../step-context';
import type { ChecksState } from './checks';
import type { VersionState } from './version';

/** What the images step leaves for deploy and the summary: one entry per service it shipped. */
export type ImagesState = ServiceImageResult[];

/** One build's part of sharded image builds (GANTRY_SHARD): images-shard-<i>-of-<n>.json. */
export interface ImagesShardState extends ShardRecord {
  results: ImagesState;
}

/**
 * Step "images": build, tag (<version>, sha-<commit>) and push the images of the affected services that have
 * something to ship. Run as shard i/n of a batch (GANTRY_SHARD), it takes only its share of the candidates
 * (shards.ts); given more than one build takes (GANTRY_SHARD_IMAGES) and a way to run shards, it runs them.
 */
export async function imagesStep(context: StepContext): Promise<ImagesState> {
  const { root, log, catalog, env } = context;
  const version = loadState<VersionState>(root, 'version');
  if (version.supersededBy) {
    log(`superseded by ${version.supersededBy.slice(0, 7)}: nothing to build`);
    return save(root, []);
  }
  // A service's Nx project is named after its folder (tools/workspace checks it), so project names are service names.
  const { projects } = loadState<ChecksState>(root, 'checks');
  const affected = catalog.map((entry) => entry.name).filter((name) => projects.includes(name));
  // Released services ship even when Nx saw no change in them (a dependency or base-image bump).
  const released = version.released.map((r) => r.service).filter((name) => !affected.includes(name));
  const candidates = [...affected, ...released];
  const settings = shardSettings(env);
  const shard = shardFromEnv(env);
  if (shard) {
    const slice = shardSlice(candidates, settings.imagesPerShard, shard);
    log(`shard ${shard.index}/${shard.count}: ${slice.length} of ${candidates.length} candidate images`);
    const results = await buildAndPush(context, version, slice);
    const state: ImagesShardState = { shard, perShard: settings.imagesPerShard, items: candidates, slice, results };
    saveShardState(root, 'images', state);
    return results;
  }
  const sharded = await runBusyShards<ImagesShardState>(context, {
    step: 'images',
    items: candidates,
    limits: { count: settings.count, perShard: settings.imagesPerShard },
    what: 'candidate images',
    setting: 'GANTRY_SHARD_IMAGES',
  });
  if (sharded) return save(root, mergeImagesShards(catalog, sharded));
  return save(root, await buildAndPush(context, version, candidates));
}

/** The images of a whole batch from its shards' states, in catalog order: throws when a shard is missing. */
export function mergeImagesShards(catalog: StepContext['catalog'], states: readonly ImagesShardState[]): ImagesState {
  checkShardsComplete('images', states);
  const results = states.flatMap((state) => state.results);
  const order = (name: string) => catalog.findIndex((entry) => entry.name === name);
  return results.sort((a, b) => order(a.service) - order(b.service));
}

async function buildAndPush(
  { root, env, log, catalog }: StepContext,
  version: VersionState,
  candidates: string[],
): Promise<ImagesState> {
  // ECR login happens here, with this step's role: no earlier step (the checks) ever holds a registry token.
  const access = await registryAccess(env);
  if (candidates.length > 0 && !access) await requireRegistry(env);
  const client = access?.client;
  const prefix = repositoryPrefix(env);
  const services = await servicesToShip(root, candidates, version, client, prefix, log);
  if (services.length === 0 || !client) {
    log(
      candidates.length === 0
        ? 'no service image is affected by this change: nothing to build or push'
        : 'no affected service has a new version: nothing to build or push',
    );
    return [];
  }
  log(`images to build: ${services.join(', ')} at ${version.head.slice(0, 7)}`);
  // The bundles the checks built carry the versions from before the release commit: build again (cached when unchanged).
  const build = await runNx(
    root,
    ['run-many', '-t', 'build', `--projects=${services.join(',')}`, '--output-style=static'],
    { env },
  );
  if (build.code !== 0)
    throw new Error(
      `building ${services.join(', ')} at the release commit failed:\n${build.lines.slice(-20).join('\n')}`,
    );
  const configDir = access?.auth ? dockerConfigWith(client.host, access.auth) : undefined;
  try {
    return await runImageStep({
      workspaceRoot: root,
      catalog,
      docker: dockerCli(env['DOCKER_HOST'] ?? 'unix:///var/run/docker.sock', { configDir }),
      registry: client,
      services,
      commit: version.head,
      source: version.source,
      builtAt: await new Git(root).commitTime(version.head),
      nodeImage: env['GANTRY_NODE_IMAGE'],
      repositoryPrefix: prefix,
      log,
    });
  } finally {
    if (configDir) rmSync(configDir, { recursive: true, force: true });
  }
}

function save(root: string, results: ImagesState): ImagesState {
  saveState(root, 'images', results);
  return results;
}

/**
 * The affected services that have something to ship: released in this run, or at a version the registry
 * has no image for yet (a first run). An affected service with neither changed only in ways that release
 * nothing (docs, chore, refactor, test): its version tag already names another image and tags never move.
 */
async function servicesToShip(
  root: string,
  affected: string[],
  version: VersionState,
  registry: RegistryClient | undefined,
  prefix: string,
  log: (line: string) => void,
): Promise<string[]> {
  const released = new Set(version.released.map((r) => r.service));
  const ship: string[] = [];
  for (const service of affected) {
    const current = serviceVersion(root, service);
    const repository = repositoryName(service, prefix);
    if (released.has(service) || !registry || !(await registry.manifestDigest(repository, current))) {
      ship.push(service);
    } else {
      log(
        `${service}: affected but not released (no feat, fix or perf since ${service}@${current}); ${repository}:${current} stays as it is`,
      );
    }
  }
  return ship;
}
