import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Docker } from '@gantry/containers';
import { loadCatalog } from '@gantry/service-catalog';
import { buildImage, detectBuildx, type BuildxSupport, type BuiltImage } from './build';
import { DEPLOY_MANIFEST, writeDeployManifest, type DeployManifest } from './manifest';
import { assertNoConflicts, executePublish, imageTags, planPublish, type PublishResult } from './publish';
import type { RegistryClient } from './registry-client';

export interface ImageStepOptions {
  workspaceRoot: string;
  docker: Docker;
  registry: RegistryClient;
  /** Service names (the affected ones); every catalog service when absent. */
  services?: string[];
  commit: string;
  builtAt?: string;
  nodeImage?: string;
  /** Repositories are <prefix>/<service>; `gantry` by default. */
  repositoryPrefix?: string;
  platform?: string;
  /**
   * Build and publish even when every tag of a service already points to one image. By default such a
   * service (its sha-<commit> tag exists, so an earlier run of this commit pushed it) is not rebuilt.
   */
  rebuildPublished?: boolean;
  /** `<workspaceRoot>/dist/deploy-manifest.json` by default. */
  manifestPath?: string;
  log?: (line: string) => void;
}

export type ServiceImageResult = PublishResult & { version: string; commit: string };

/** The version a service releases, from apps/<name>/package.json (nx release writes it there). */
export function serviceVersion(workspaceRoot: string, service: string): string {
  const version = JSON.parse(readFileSync(join(workspaceRoot, 'apps', service, 'package.json'), 'utf8')).version;
  if (typeof version !== 'string' || version === '') throw new Error(`apps/${service}/package.json has no version`);
  return version;
}

/** The manifest digest when every tag already points to the same manifest; undefined otherwise. */
export async function publishedEarlier(registry: RegistryClient, repository: string, tags: string[]): Promise<string | undefined> {
  const digests = new Set<string | undefined>();
  for (const tag of tags) digests.add(await registry.manifestDigest(repository, tag));
  const [digest] = [...digests];
  return digests.size === 1 ? digest : undefined;
}

/**
 * The pipeline's image step: build each service image, check every tag of every service against the
 * registry, and only when no tag would move, push them all and write the deploy manifest. A service whose
 * tags all point to one image already (a retried run of the same commit) is recorded, not rebuilt.
 */
export async function runImageStep(options: ImageStepOptions): Promise<{ results: ServiceImageResult[]; manifest: DeployManifest }> {
  const log = options.log ?? ((line: string) => console.log(`[images] ${line}`));
  const root = resolve(options.workspaceRoot);
  const catalog = loadCatalog(root);
  const names = options.services ?? catalog.map((entry) => entry.name);
  const unknown = names.filter((name) => !catalog.some((entry) => entry.name === name));
  if (unknown.length > 0) throw new Error(`not in the service catalog: ${unknown.join(', ')}`);
  const builtAt = options.builtAt ?? new Date().toISOString();
  const prefix = options.repositoryPrefix ?? 'gantry';
  let buildx: BuildxSupport | undefined;

  const built: Array<{ name: string; version: string; repository: string; image: BuiltImage }> = [];
  const published: ServiceImageResult[] = [];
  for (const entry of catalog.filter((each) => names.includes(each.name))) {
    const version = serviceVersion(root, entry.name);
    const repository = `${prefix}/${entry.name}`;
    const tags = imageTags(version, options.commit);
    const earlier = options.rebuildPublished ? undefined : await publishedEarlier(options.registry, repository, tags);
    if (earlier) {
      // An image build is not reproducible (timestamps), so a retried run must not build and push again.
      log(`${entry.name}: ${tags.join(' and ')} already point to ${earlier} in ${options.registry.host}/${repository} (an earlier run of this commit); not rebuilding`);
      published.push({
        service: entry.name, image: `${options.registry.host}/${repository}`, tags, digest: earlier, pushed: [], skipped: tags, version, commit: options.commit,
      });
      continue;
    }
    if (!existsSync(join(root, 'apps', entry.name, 'dist'))) {
      throw new Error(`${entry.name}: apps/${entry.name}/dist is missing; build it first (nx run ${entry.name}:build)`);
    }
    buildx ??= await detectBuildx(options.docker);
    const image = await buildImage(options.docker, {
      workspaceRoot: root,
      entry,
      version,
      revision: options.commit,
      builtAt,
      nodeImage: options.nodeImage,
      registry: options.registry.host,
      repository,
      platform: options.platform,
      buildx,
      log,
    });
    built.push({ name: entry.name, version, repository, image });
  }

  const plans = [];
  for (const { name, repository, version, image } of built) {
    plans.push(
      await planPublish(options.docker, options.registry, {
        service: name,
        repository,
        tags: imageTags(version, options.commit),
        ...(image.kind === 'local' ? { localImage: image.localImage } : { pushed: image.pushed }),
        log,
      }),
    );
  }
  assertNoConflicts(plans);

  const results: ServiceImageResult[] = [...published];
  for (const [index, plan] of plans.entries()) {
    const result = await executePublish(options.docker, options.registry, plan);
    results.push({ ...result, version: built[index].version, commit: options.commit });
  }
  results.sort((a, b) => a.service.localeCompare(b.service));
  const manifestPath = options.manifestPath ?? join(root, DEPLOY_MANIFEST);
  const manifest = writeDeployManifest(manifestPath, results, { commit: options.commit });
  log(`deploy manifest: ${manifestPath} (${results.length} service${results.length === 1 ? '' : 's'})`);
  return { results, manifest };
}
