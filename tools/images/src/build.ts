import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Docker } from '@gantry/docker';
import { bundlePath, repositoryName, SERVICE_DOCKERFILE as DOCKERFILE_PATH } from '@gantry/service-catalog';
import type { PushedImage } from './publish';

/** The one Dockerfile every service image is built from, in this checkout of the workspace. */
export const SERVICE_DOCKERFILE = join(__dirname, '../../..', DOCKERFILE_PATH);

/** The Dockerfile's default base image: the value of its `ARG NODE_IMAGE=` line. */
export function defaultNodeImage(dockerfile = readFileSync(SERVICE_DOCKERFILE, 'utf8')): string {
  const image = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1];
  if (!image) throw new Error(`${SERVICE_DOCKERFILE} has no \`ARG NODE_IMAGE=<image>\` line`);
  return image;
}

/** The Node major an official node image names: 24 for `…/node:24-bookworm-slim@sha256:…`. */
export function nodeMajorOf(image: string): number {
  const major = /(?:^|\/)node:(\d+)(?:[-.@]|$)/.exec(image)?.[1];
  if (!major) throw new Error(`${image} names no Node major (expected …/node:<major>-…)`);
  return Number(major);
}

/** Whether `docker buildx build` can push with a registry cache here, and why not when it cannot. */
export type BuildxSupport = { usable: true; version: string; driver: string } | { usable: false; reason: string };

function firstLine(error: unknown): string {
  return (
    String((error as Error).message ?? error)
      .split('\n')[0]
      .trim() || 'unknown error'
  );
}

/**
 * Detects BuildKit with a builder that can export a registry cache. `docker buildx version` must work,
 * and the builder must not be the plain `docker` driver, which exports a registry cache only when the
 * engine uses the containerd image store.
 */
export async function detectBuildx(docker: Docker): Promise<BuildxSupport> {
  let version: string;
  try {
    version = (await docker(['buildx', 'version'], { timeoutMs: 30_000 })).split('\n')[0].trim();
  } catch (error) {
    return { usable: false, reason: `docker buildx is not available (${firstLine(error)})` };
  }
  let driver: string | undefined;
  try {
    driver = (await docker(['buildx', 'inspect'], { timeoutMs: 30_000 })).match(/^Driver:\s*(\S+)/m)?.[1];
  } catch (error) {
    return { usable: false, reason: `docker buildx inspect failed (${firstLine(error)})` };
  }
  if (!driver) return { usable: false, reason: 'docker buildx inspect names no driver for the current builder' };
  if (driver === 'docker') {
    const status = await docker(['info', '--format', '{{json .DriverStatus}}'], { timeoutMs: 30_000 }).catch(() => '');
    if (!status.includes('io.containerd.snapshotter')) {
      return {
        usable: false,
        reason:
          'the current buildx builder uses the docker driver without the containerd image store, which cannot export a registry cache ' +
          '(create one with `docker buildx create --use --driver docker-container`)',
      };
    }
  }
  return { usable: true, version, driver };
}

export interface BuildImageOptions {
  workspaceRoot: string;
  /** The catalog service whose bundle the image holds. */
  service: string;
  version: string;
  revision: string;
  /** The commit the release was made from (`revision` is the release commit); defaults to `revision`. */
  source?: string;
  builtAt: string;
  /** Overrides the Dockerfile's ECR Public base image (a local stand-in here, a mirror elsewhere). */
  nodeImage?: string;
  /**
   * Registry host[:port] and repository a BuildKit build pushes to (by digest) and keeps its cache in.
   * Without a registry the image is built into the local engine (container tests).
   */
  registry?: string;
  repository?: string;
  /** The local tag of a classic build; `gantry/<name>:<version>` by default. */
  localTag?: string;
  /** e.g. linux/arm64 for Fargate ARM64 (BuildKit only; a classic build uses the engine's platform). */
  platform?: string;
  /** The registry cache ref; `<registry>/<repository>:buildcache` by default. */
  cacheRef?: string;
  /** Detected once per run by the caller; detected here when absent. */
  buildx?: BuildxSupport;
  log?: (line: string) => void;
}

export type BuiltImage =
  { kind: 'local'; localImage: string; imageId: string } | { kind: 'pushed'; pushed: PushedImage };

/** Where BuildKit pushes: the registry, the repository, and its cache ref. */
function pushTarget(options: BuildImageOptions): { image: string; repository: string; cacheRef: string } {
  if (!options.registry) throw new Error(`${options.service}: a BuildKit build pushes, so it needs a registry`);
  const repository = options.repository ?? repositoryName(options.service);
  const image = `${options.registry}/${repository}`;
  return { image, repository, cacheRef: options.cacheRef ?? `${image}:buildcache` };
}

/** The build arguments both builders pass to service.Dockerfile. */
export function buildArgs(options: BuildImageOptions): string[] {
  const values = [
    `SERVICE=${options.service}`,
    `VERSION=${options.version}`,
    `REVISION=${options.revision}`,
    `BUILT_AT=${options.builtAt}`,
    `SOURCE=${options.source ?? options.revision}`,
  ];
  if (options.nodeImage) values.push(`NODE_IMAGE=${options.nodeImage}`);
  return values.flatMap((value) => ['--build-arg', value]);
}

/**
 * A build context that holds only the bundle (as main.js) and the Dockerfile: no sources, tests or
 * node_modules can reach the image, and no .dockerignore has to keep them out.
 */
export function stageContext(workspaceRoot: string, service: string): string {
  const bundle = join(workspaceRoot, bundlePath(service));
  if (!existsSync(bundle))
    throw new Error(`${service}: ${bundlePath(service)} is missing; build it first (npx nx run ${service}:build)`);
  const context = mkdtempSync(join(tmpdir(), `gantry-image-${service}-`));
  copyFileSync(bundle, join(context, 'main.js'));
  copyFileSync(SERVICE_DOCKERFILE, join(context, 'Dockerfile'));
  return context;
}

/**
 * The BuildKit command line. The image is pushed by digest only, without a tag, so that the publish step
 * can check every tag before it moves any; provenance is off so that the push is one image manifest whose
 * config digest can be compared. The cache lives in the registry as an OCI image manifest (ECR needs that).
 */
export function buildxArgs(options: BuildImageOptions, context: string, metadataFile: string): string[] {
  const { image, cacheRef } = pushTarget(options);
  const args = [
    'buildx',
    'build',
    '--push',
    '--output',
    `type=image,name=${image},push-by-digest=true,name-canonical=true`,
    '--provenance=false',
    '--metadata-file',
    metadataFile,
    '--cache-from',
    `type=registry,ref=${cacheRef}`,
    '--cache-to',
    `type=registry,ref=${cacheRef},mode=max,image-manifest=true,oci-mediatypes=true`,
    ...buildArgs(options),
  ];
  if (options.platform) args.push('--platform', options.platform);
  args.push(context);
  return args;
}

/** The classic builder's command line: a local image under `tag`. */
export function classicArgs(options: BuildImageOptions, context: string, tag: string): string[] {
  return ['build', '--tag', tag, ...buildArgs(options), context];
}

/** Reads the pushed digests from buildx's --metadata-file. */
export function parseBuildxMetadata(text: string, repository: string): PushedImage {
  const metadata = JSON.parse(text) as Record<string, unknown>;
  const manifestDigest = metadata['containerimage.digest'];
  const configDigest = metadata['containerimage.config.digest'];
  if (typeof manifestDigest !== 'string' || typeof configDigest !== 'string') {
    throw new Error(
      `buildx metadata lacks containerimage.digest or containerimage.config.digest: ${text.slice(0, 300)}`,
    );
  }
  const descriptor = metadata['containerimage.descriptor'] as { mediaType?: string } | undefined;
  return { repository, manifestDigest, configDigest, mediaType: descriptor?.mediaType };
}

/**
 * Builds one service image from service.Dockerfile. With a registry and a usable buildx it pushes by
 * digest with the registry cache; otherwise it builds with the classic builder into the local engine
 * (Debian's 20.10 engine has no buildx) and, when a registry was meant, says in one line why not BuildKit.
 */
export async function buildImage(docker: Docker, options: BuildImageOptions): Promise<BuiltImage> {
  const log = options.log ?? ((line: string) => console.log(`[images] ${line}`));
  const name = options.service;
  const support: BuildxSupport = options.registry
    ? (options.buildx ?? (await detectBuildx(docker)))
    : { usable: false, reason: 'no registry to push to' };
  const context = stageContext(options.workspaceRoot, name);
  try {
    if (!support.usable) {
      const localTag = options.localTag ?? `${repositoryName(name)}:${options.version}`;
      if (options.registry) log(`${name}: classic docker build; BuildKit registry cache not used: ${support.reason}`);
      await docker(classicArgs(options, context, localTag), { timeoutMs: 1_800_000 });
      const imageId = await docker(['image', 'inspect', '--format', '{{.Id}}', localTag]);
      return { kind: 'local', localImage: localTag, imageId };
    }
    const metadataFile = join(context, '.metadata.json');
    const { repository, cacheRef } = pushTarget(options);
    log(`${name}: docker buildx build (${support.version}, driver ${support.driver}) with cache ${cacheRef}`);
    await docker(buildxArgs(options, context, metadataFile), { timeoutMs: 1_800_000 });
    return { kind: 'pushed', pushed: parseBuildxMetadata(readFileSync(metadataFile, 'utf8'), repository) };
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

/** The image's size in bytes, as the engine reports it. */
export async function imageSize(docker: Docker, tag: string): Promise<number> {
  return Number(await docker(['image', 'inspect', '--format', '{{.Size}}', tag]));
}
