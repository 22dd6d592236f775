import type { Docker } from '@gantry/docker';
import type { RegistryClient } from './registry-client';

/** The two tags every image gets: its semver and the commit it was built from. Never `latest`. */
export function imageTags(version: string, commit: string): string[] {
  return [version, `sha-${commit}`];
}

/** An image that BuildKit pushed by digest only (no tag yet), as `buildImage` reports it. */
export interface PushedImage {
  repository: string;
  manifestDigest: string;
  configDigest: string;
  mediaType?: string;
}

export interface PublishOptions {
  service: string;
  /** Repository inside the registry, e.g. gantry/hello. */
  repository: string;
  /** Usually `imageTags(version, commit)`. */
  tags: string[];
  /** An image in the local engine (classic build): it is tagged and pushed with the docker CLI. */
  localImage?: string;
  /** An image already in the registry by digest (BuildKit build): tags are added through the registry API. */
  pushed?: PushedImage;
  log?: (line: string) => void;
}

export interface PublishResult {
  service: string;
  /** <registry>/<repository>, without a tag. */
  image: string;
  tags: string[];
  /** The manifest digest the tags point to: deploy by image@digest. */
  digest: string;
  pushed: string[];
  skipped: string[];
}

export interface TagConflict {
  tag: string;
  existing: string;
  attempted: string;
}

/** One line per tag that would have to move. */
export function formatTagConflict(service: string, image: string, conflict: TagConflict): string {
  return `${service}: tag ${conflict.tag} already points to ${conflict.existing} in ${image}; refusing to move it to ${conflict.attempted} (tags are immutable)`;
}

/** Thrown before anything is pushed when a tag already holds another image. */
export class ImmutableTagError extends Error {
  constructor(
    readonly service: string,
    readonly image: string,
    readonly conflicts: TagConflict[],
  ) {
    super(conflicts.map((conflict) => formatTagConflict(service, image, conflict)).join('\n'));
    this.name = 'ImmutableTagError';
  }
}

/** What publishing would do, decided before anything is pushed. */
export interface PublishPlan {
  options: PublishOptions;
  image: string;
  /** The image's config digest: `docker image inspect --format {{.Id}}`, or BuildKit's containerimage.config.digest. */
  configDigest: string;
  toPush: string[];
  skipped: string[];
  conflicts: TagConflict[];
}

function defaultLog(line: string): void {
  console.log(`[images] ${line}`);
}

/** Looks up every tag in the registry and sorts it into push, skip (same image) or conflict (another image). */
export async function planPublish(
  docker: Docker,
  registry: RegistryClient,
  options: PublishOptions,
): Promise<PublishPlan> {
  const { service, repository, tags } = options;
  const image = `${registry.host}/${repository}`;
  if (tags.length === 0) throw new Error(`${service}: no tags to publish`);
  if ((options.localImage === undefined) === (options.pushed === undefined)) {
    throw new Error(
      `${service}: pass exactly one of localImage (an image in the engine) or pushed (an image in the registry)`,
    );
  }
  if (options.pushed && options.pushed.repository !== repository) {
    throw new Error(`${service}: the image was pushed to ${options.pushed.repository}, not ${repository}`);
  }
  const configDigest = options.pushed
    ? options.pushed.configDigest
    : await docker(['image', 'inspect', '--format', '{{.Id}}', options.localImage as string]);

  const plan: PublishPlan = { options, image, configDigest, toPush: [], skipped: [], conflicts: [] };
  for (const tag of tags) {
    const existing = await registry.configDigest(repository, tag);
    if (existing === undefined) plan.toPush.push(tag);
    else if (existing === configDigest) plan.skipped.push(tag);
    else plan.conflicts.push({ tag, existing, attempted: configDigest });
  }
  return plan;
}

/** Throws one error naming every conflicting tag of every plan; does nothing when there is none. */
export function assertNoConflicts(plans: PublishPlan[]): void {
  const failing = plans.filter((plan) => plan.conflicts.length > 0);
  if (failing.length === 0) return;
  if (failing.length === 1)
    throw new ImmutableTagError(failing[0].options.service, failing[0].image, failing[0].conflicts);
  const errors = failing.map((plan) => new ImmutableTagError(plan.options.service, plan.image, plan.conflicts));
  const error = new Error(errors.map((each) => each.message).join('\n'));
  error.name = 'ImmutableTagError';
  throw Object.assign(error, { errors });
}

/** Pushes the planned tags (the plan must be free of conflicts) and reads back the manifest digest. */
export async function executePublish(
  docker: Docker,
  registry: RegistryClient,
  plan: PublishPlan,
): Promise<PublishResult> {
  assertNoConflicts([plan]);
  const { options, image, configDigest } = plan;
  const { service, repository, tags } = options;
  const log = options.log ?? defaultLog;
  for (const tag of plan.skipped)
    log(`${service}: tag ${tag} already points to ${configDigest} in ${image}; skipping it (same image)`);

  for (const tag of plan.toPush) {
    if (options.pushed) {
      const manifest = await registry.getManifest(repository, options.pushed.manifestDigest);
      if (!manifest) throw new Error(`${service}: ${image}@${options.pushed.manifestDigest} is not in the registry`);
      await registry.putManifest(repository, tag, manifest.body, manifest.mediaType);
    } else {
      await docker(['tag', options.localImage as string, `${image}:${tag}`]);
      await docker(['push', `${image}:${tag}`], { timeoutMs: 600_000 });
    }
    log(`${service}: pushed ${image}:${tag}`);
  }

  const digests: Array<[string, string | undefined]> = [];
  for (const tag of tags) digests.push([tag, await registry.manifestDigest(repository, tag)]);
  const missing = digests.filter(([, digest]) => digest === undefined).map(([tag]) => tag);
  if (missing.length > 0) throw new Error(`${service}: ${image} has no tag ${missing.join(', ')} after the push`);
  const digest = digests[0][1] as string;
  const others = digests.filter(([, other]) => other !== digest);
  if (others.length > 0) {
    // Same image config under another manifest (e.g. pushed earlier with other compression): still the same image.
    log(
      `${service}: ${others.map(([tag, other]) => `${tag} → ${other}`).join(', ')} differ from ${tags[0]} → ${digest} (same image config ${configDigest})`,
    );
  }
  return { service, image, tags: [...tags], digest, pushed: [...plan.toPush], skipped: [...plan.skipped] };
}

/**
 * Pushes one service image under each tag, keeping tags immutable: a tag that already holds the same
 * image (same config digest) is skipped, a tag that holds another image fails the whole call. Every tag
 * is checked before any is pushed, so a refused publish leaves the registry as it was.
 */
export async function publishImage(
  docker: Docker,
  registry: RegistryClient,
  options: PublishOptions,
): Promise<PublishResult> {
  return executePublish(docker, registry, await planPublish(docker, registry, options));
}
