import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dockerCli } from '@gantry/containers';
import { registryClient, runImageStep, serviceVersion, type RegistryClient, type ServiceImageResult } from '@gantry/images';
import { loadCatalog } from '@gantry/service-catalog';
import type { BaseDecision } from './base';
import { Git } from './git';
import { coveredProjects, runNx } from './nx';
import { loadState, saveState } from './state';
import type { StepContext } from './steps';
import type { VersionState } from './version-step';

export const IMAGE_TARGET = 'docker:build';

/** Catalog service names for Nx project names (a service's project is named by `nx.name` in apps/<name>/package.json). */
export function servicesForProjects(root: string, projects: readonly string[]): string[] {
  return loadCatalog(root)
    .map((entry) => {
      const manifest = JSON.parse(readFileSync(join(root, 'apps', entry.name, 'package.json'), 'utf8')) as { name: string; nx?: { name?: string } };
      return { name: entry.name, project: manifest.nx?.name ?? manifest.name };
    })
    .filter(({ project }) => projects.includes(project))
    .map(({ name }) => name);
}

/** The time of the commit: a build-time stamp that is the same on every rebuild of that commit. */
function commitTime(root: string, commit: string): Promise<string> {
  return new Git(root).exec(['show', '-s', '--format=%cI', commit]);
}

/** Step "images": build, tag (<version>, sha-<commit>) and push the affected services' images. */
export async function imagesStep({ root, env, log }: StepContext): Promise<ServiceImageResult[]> {
  const decision = loadState<BaseDecision>(root, 'base');
  const version = loadState<VersionState>(root, 'version');
  if (version.supersededBy) {
    log(`superseded by ${version.supersededBy.slice(0, 7)}: nothing to build`);
    saveState(root, 'images', []);
    return [];
  }
  const affected = servicesForProjects(root, await coveredProjects(root, decision, env, IMAGE_TARGET));
  const registry = env['GANTRY_REGISTRY'];
  if (affected.length > 0 && !registry) throw new Error('GANTRY_REGISTRY is not set; set it to the registry host (ECR: <account>.dkr.ecr.<region>.amazonaws.com)');
  const username = env['GANTRY_REGISTRY_USERNAME'];
  const password = env['GANTRY_REGISTRY_PASSWORD'];
  const client = registry ? registryClient(registry, username && password ? { auth: { username, password } } : {}) : undefined;
  const services = await servicesToShip(root, affected, version, client, env['GANTRY_REPOSITORY_PREFIX'] ?? 'gantry', log);
  if (services.length === 0 || !client) {
    log(affected.length === 0 ? 'no service image is affected by this change: nothing to build or push' : 'no affected service has a new version: nothing to build or push');
    saveState(root, 'images', []);
    return [];
  }
  log(`images to build: ${services.join(', ')} at ${version.head.slice(0, 7)}`);
  // The bundles the checks built carry the versions from before the release commit: build again (cached when unchanged).
  const build = await runNx(root, ['run-many', '-t', 'build', `--projects=${services.join(',')}`, '--output-style=static'], env, () => undefined);
  if (build.code !== 0) throw new Error(`building ${services.join(', ')} at the release commit failed:\n${build.lines.slice(-20).join('\n')}`);
  const { results } = await runImageStep({
    workspaceRoot: root,
    docker: dockerCli(env['DOCKER_HOST'] ?? 'unix:///var/run/docker.sock'),
    registry: client,
    services,
    commit: version.head,
    builtAt: await commitTime(root, version.head),
    nodeImage: env['GANTRY_NODE_IMAGE'],
    repositoryPrefix: env['GANTRY_REPOSITORY_PREFIX'],
    log,
  });
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
    if (released.has(service) || !registry || !(await registry.manifestDigest(`${prefix}/${service}`, current))) {
      ship.push(service);
    } else {
      log(`${service}: affected but not released (no feat, fix or perf since ${service}@${current}); ${prefix}/${service}:${current} stays as it is`);
    }
  }
  return ship;
}
