import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServiceImage, type Docker } from '@gantry/containers';
import type { ServiceEntry } from '@gantry/service-catalog';
import type { PushedImage } from './publish';

/** Whether `docker buildx build` can push with a registry cache here, and why not when it cannot. */
export type BuildxSupport =
  | { usable: true; version: string; driver: string }
  | { usable: false; reason: string };

function firstLine(error: unknown): string {
  return String((error as Error).message ?? error).split('\n')[0].trim() || 'unknown error';
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
  entry: ServiceEntry;
  version: string;
  revision: string;
  builtAt: string;
  /** Overrides the Dockerfile's ECR Public base image. */
  nodeImage?: string;
  /** Registry host[:port] and repository the BuildKit build pushes to (by digest) and keeps its cache in. */
  registry: string;
  repository: string;
  /** The local tag for a classic build; `gantry/<name>:<version>` by default. */
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
  | { kind: 'local'; localImage: string; imageId: string }
  | { kind: 'pushed'; pushed: PushedImage };

export function cacheRefFor(options: Pick<BuildImageOptions, 'registry' | 'repository' | 'cacheRef'>): string {
  return options.cacheRef ?? `${options.registry}/${options.repository}:buildcache`;
}

/**
 * The BuildKit command line. The image is pushed by digest only, without a tag, so that the publish step
 * can check every tag before it moves any; provenance is off so that the push is one image manifest whose
 * config digest can be compared. The cache lives in the registry as an OCI image manifest (ECR needs that).
 */
export function buildxArgs(options: BuildImageOptions, metadataFile: string): string[] {
  const cacheRef = cacheRefFor(options);
  const args = [
    'buildx', 'build',
    '--push',
    '--output', `type=image,name=${options.registry}/${options.repository},push-by-digest=true,name-canonical=true`,
    '--provenance=false',
    '--metadata-file', metadataFile,
    '--cache-from', `type=registry,ref=${cacheRef}`,
    '--cache-to', `type=registry,ref=${cacheRef},mode=max,image-manifest=true,oci-mediatypes=true`,
    '--build-arg', `VERSION=${options.version}`,
    '--build-arg', `REVISION=${options.revision}`,
    '--build-arg', `BUILT_AT=${options.builtAt}`,
  ];
  if (options.nodeImage) args.push('--build-arg', `NODE_IMAGE=${options.nodeImage}`);
  if (options.platform) args.push('--platform', options.platform);
  args.push(join(options.workspaceRoot, 'apps', options.entry.name));
  return args;
}

/** Reads the pushed digests from buildx's --metadata-file. */
export function parseBuildxMetadata(text: string, repository: string): PushedImage {
  const metadata = JSON.parse(text) as Record<string, unknown>;
  const manifestDigest = metadata['containerimage.digest'];
  const configDigest = metadata['containerimage.config.digest'];
  if (typeof manifestDigest !== 'string' || typeof configDigest !== 'string') {
    throw new Error(`buildx metadata lacks containerimage.digest or containerimage.config.digest: ${text.slice(0, 300)}`);
  }
  const descriptor = metadata['containerimage.descriptor'] as { mediaType?: string } | undefined;
  return { repository, manifestDigest, configDigest, mediaType: descriptor?.mediaType };
}

/**
 * Builds one service image. With a usable buildx it pushes by digest with the registry cache; otherwise
 * it builds with the classic builder into the local engine (Debian's 20.10 engine has no buildx) and
 * says in one line that the BuildKit cache is not used, and why.
 */
export async function buildImage(docker: Docker, options: BuildImageOptions): Promise<BuiltImage> {
  const log = options.log ?? ((line: string) => console.log(`[images] ${line}`));
  const support = options.buildx ?? (await detectBuildx(docker));
  const name = options.entry.name;
  if (!support.usable) {
    const localTag = options.localTag ?? `gantry/${name}:${options.version}`;
    log(`${name}: classic docker build; BuildKit registry cache not used: ${support.reason}`);
    await buildServiceImage(docker, {
      workspaceRoot: options.workspaceRoot,
      entry: options.entry,
      tag: localTag,
      version: options.version,
      revision: options.revision,
      builtAt: options.builtAt,
      nodeImage: options.nodeImage,
    });
    const imageId = await docker(['image', 'inspect', '--format', '{{.Id}}', localTag]);
    return { kind: 'local', localImage: localTag, imageId };
  }
  const dir = mkdtempSync(join(tmpdir(), 'gantry-buildx-'));
  try {
    const metadataFile = join(dir, 'metadata.json');
    log(`${name}: docker buildx build (${support.version}, driver ${support.driver}) with cache ${cacheRefFor(options)}`);
    await docker(buildxArgs(options, metadataFile), { timeoutMs: 1_800_000 });
    return { kind: 'pushed', pushed: parseBuildxMetadata(readFileSync(metadataFile, 'utf8'), options.repository) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
