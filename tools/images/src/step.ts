import { resolve } from 'node:path';
import type { Docker } from '@gantry/docker';
import { DEFAULT_REPOSITORY_PREFIX, repositoryName, serviceVersion, type ServiceEntry } from '@gantry/service-catalog';
import { buildImage, detectBuildx, type BuildxSupport, type BuiltImage } from './build';
import { assertNoConflicts, executePublish, imageTags, planPublish, type PublishResult } from './publish';
import type { RegistryClient } from './registry-client';

export interface ImageStepOptions {
  workspaceRoot: string;
  /** The service catalog, read once by the caller. */
  catalog: readonly ServiceEntry[];
  docker: Docker;
  registry: RegistryClient;
  /** Service names (the affected ones); every catalog service when absent. */
  services?: string[];
  commit: string;
  /** The commit the release was made from; labelled on the image (`dev.gantry.source-commit`). */
  source?: string;
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
  log?: (line: string) => void;
}

/** One service's published image: what the deploy step deploys (`${image}@${digest}`) and the summary shows. */
export type ServiceImageResult = PublishResult & { version: string; commit: string };

/** The manifest digest when every tag already points to the same manifest; undefined otherwise. */
export async function publishedEarlier(
  registry: RegistryClient,
  repository: string,
  tags: string[],
): Promise<string | undefined> {
  const digests = new Set<string | undefined>();
  for (const tag of tags) digests.add(await registry.manifestDigest(repository, tag));
  const [digest] = [...digests];
  return digests.size === 1 ? digest : undefined;
}

/**
 * The pipeline's image step: build each service image, check every tag of every service against the
 * registry, and only when no tag would move, push them all. A service whose tags all point to one image
 * already (a retried run of the same commit) is recorded, not rebuilt.
 */
export async function runImageStep(options: ImageStepOptions): Promise<ServiceImageResult[]> {
  const log = options.log ?? ((line: string) => console.log(`[images] ${line}`));
  const root = resolve(options.workspaceRoot);
  const catalog = options.catalog;
  const names = options.services ?? catalog.map((entry) => entry.name);
  const unknown = names.filter((name) => !catalog.some((entry) => entry.name === name));
  if (unknown.length > 0) throw new Error(`not in the service catalog: ${unknown.join(', ')}`);
  const builtAt = options.builtAt ?? new Date().toISOString();
  const prefix = options.repositoryPrefix ?? DEFAULT_REPOSITORY_PREFIX;
  let buildx: BuildxSupport | undefined;

  const built: Array<{ name: string; version: string; repository: string; image: BuiltImage }> = [];
  const published: ServiceImageResult[] = [];
  for (const entry of catalog.filter((each) => names.includes(each.name))) {
    const version = serviceVersion(root, entry.name);
    const repository = repositoryName(entry.name, prefix);
    const tags = imageTags(version, options.commit);
    const earlier = options.rebuildPublished ? undefined : await publishedEarlier(options.registry, repository, tags);
    if (earlier) {
      // An image build is not reproducible (timestamps), so a retried run must not build and push again.
      log(
        `${entry.name}: ${tags.join(' and ')} already point to ${earlier} in ${options.registry.host}/${repository} (an earlier run of this commit); not rebuilding`,
      );
      published.push({
        service: entry.name,
        image: `${options.registry.host}/${repository}`,
        tags,
        digest: earlier,
        pushed: [],
        skipped: tags,
        version,
        commit: options.commit,
      });
      continue;
    }
    buildx ??= await detectBuildx(options.docker);
    const image = await buildImage(options.docker, {
      workspaceRoot: root,
      service: entry.name,
      version,
      revision: options.commit,
      source: options.source,
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
  return results.sort((a, b) => a.service.localeCompare(b.service));
}
