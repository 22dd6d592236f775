import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dockerCli } from '@gantry/containers';
import { registryClient, runImageStep, type ServiceImageResult } from '@gantry/images';
import { loadCatalog } from '@gantry/service-catalog';
import type { BaseDecision } from './base';
import { Git } from './git';
import { projectsWithTarget } from './nx';
import { loadState, saveState } from './state';
import type { StepContext } from './steps';

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
  const services = servicesForProjects(root, await projectsWithTarget(root, decision, IMAGE_TARGET, env));
  if (services.length === 0) {
    log('no service image is affected by this change: nothing to build or push');
    saveState(root, 'images', []);
    return [];
  }
  const registry = env['GANTRY_REGISTRY'];
  if (!registry) throw new Error('GANTRY_REGISTRY is not set; set it to the registry host (ECR: <account>.dkr.ecr.<region>.amazonaws.com)');
  const username = env['GANTRY_REGISTRY_USERNAME'];
  const password = env['GANTRY_REGISTRY_PASSWORD'];
  log(`affected images: ${services.join(', ')}`);
  const { results } = await runImageStep({
    workspaceRoot: root,
    docker: dockerCli(env['DOCKER_HOST'] ?? 'unix:///var/run/docker.sock'),
    registry: registryClient(registry, username && password ? { auth: { username, password } } : {}),
    services,
    commit: decision.head,
    builtAt: await commitTime(root, decision.head),
    nodeImage: env['GANTRY_NODE_IMAGE'],
    repositoryPrefix: env['GANTRY_REPOSITORY_PREFIX'],
    log,
  });
  saveState(root, 'images', results);
  return results;
}
