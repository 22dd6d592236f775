import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_NODE, type Docker } from '@gantry/docker';
import {
  buildImage,
  buildxArgs,
  classicArgs,
  defaultNodeImage,
  detectBuildx,
  nodeMajorOf,
  parseBuildxMetadata,
  SERVICE_DOCKERFILE,
  stageContext,
  type BuildImageOptions,
} from './build';

type Answers = Record<string, string | Error>;

/** A docker CLI stand-in that answers by the first two words of the command and records every call. */
function fakeDocker(answers: Answers): Docker & { calls: string[][] } {
  const calls: string[][] = [];
  const docker = async (args: string[]) => {
    calls.push(args);
    const answer = answers[args.slice(0, 2).join(' ')] ?? answers[args[0]];
    if (answer instanceof Error) throw answer;
    if (answer === undefined) throw new Error(`docker ${args.slice(0, 2).join(' ')} failed: unexpected in this test`);
    return answer;
  };
  return Object.assign(docker, { calls });
}

const NO_BUILDX = new Error(
  "docker buildx version failed: docker: unknown command: docker buildx\n  \n  Run 'docker --help' for more information",
);
const CONFIG = `sha256:${'c'.repeat(64)}`;
const MANIFEST = `sha256:${'d'.repeat(64)}`;

describe('detectBuildx', () => {
  it('reports buildx as unusable, with the CLI error, when the plugin is missing (Debian docker.io)', async () => {
    const support = await detectBuildx(fakeDocker({ 'buildx version': NO_BUILDX }));

    expect(support).toEqual({
      usable: false,
      reason: 'docker buildx is not available (docker buildx version failed: docker: unknown command: docker buildx)',
    });
  });

  it('accepts a docker-container builder', async () => {
    const docker = fakeDocker({
      'buildx version': 'github.com/docker/buildx v0.23.0 28c90ea\n',
      'buildx inspect': 'Name:          ci\nDriver:        docker-container\nNodes:\n',
    });

    await expect(detectBuildx(docker)).resolves.toEqual({
      usable: true,
      version: 'github.com/docker/buildx v0.23.0 28c90ea',
      driver: 'docker-container',
    });
  });

  it('rejects the plain docker driver, which cannot export a registry cache without the containerd image store', async () => {
    const docker = fakeDocker({
      'buildx version': 'github.com/docker/buildx v0.23.0 28c90ea',
      'buildx inspect': 'Name:   default\nDriver: docker\n',
      'info --format': '[["Backing Filesystem","extfs"],["Supports d_type","true"]]',
    });

    const support = await detectBuildx(docker);

    expect(support.usable).toBe(false);
    expect(!support.usable && support.reason).toMatch(
      /docker driver without the containerd image store.*docker buildx create --use --driver docker-container/,
    );
  });

  it('accepts the docker driver when the engine uses the containerd image store', async () => {
    const docker = fakeDocker({
      'buildx version': 'github.com/docker/buildx v0.23.0 28c90ea',
      'buildx inspect': 'Name:   default\nDriver: docker\n',
      'info --format': '[["driver-type","io.containerd.snapshotter.v1"]]',
    });

    await expect(detectBuildx(docker)).resolves.toEqual(expect.objectContaining({ usable: true, driver: 'docker' }));
  });
});

// A workspace holding only hello's bundle: all a build context needs.
const workspaceRoot = mkdtempSync(join(tmpdir(), 'images-build-'));
mkdirSync(join(workspaceRoot, 'apps/hello/dist'), { recursive: true });
writeFileSync(join(workspaceRoot, 'apps/hello/dist/main.js'), 'console.log("hello");\n');

const options: BuildImageOptions = {
  workspaceRoot,
  service: 'hello',
  version: '0.2.0',
  revision: 'abc123',
  builtAt: '2026-01-01T00:00:00.000Z',
  nodeImage: 'gantry/node-base:local',
  registry: '123.dkr.ecr.eu-west-1.amazonaws.com',
  repository: 'gantry/hello',
  platform: 'linux/arm64',
};

describe('buildxArgs', () => {
  it('pushes by digest with the registry cache in max mode as an OCI image manifest', () => {
    const args = buildxArgs(options, '/ctx', '/tmp/meta.json');
    const value = (flag: string) => args.filter((_, index) => args[index - 1] === flag);

    expect(args.slice(0, 3)).toEqual(['buildx', 'build', '--push']);
    expect(value('--output')).toEqual([
      'type=image,name=123.dkr.ecr.eu-west-1.amazonaws.com/gantry/hello,push-by-digest=true,name-canonical=true',
    ]);
    expect(value('--cache-from')).toEqual([
      'type=registry,ref=123.dkr.ecr.eu-west-1.amazonaws.com/gantry/hello:buildcache',
    ]);
    expect(value('--cache-to')).toEqual([
      'type=registry,ref=123.dkr.ecr.eu-west-1.amazonaws.com/gantry/hello:buildcache,mode=max,image-manifest=true,oci-mediatypes=true',
    ]);
    expect(value('--build-arg')).toEqual([
      'SERVICE=hello',
      'VERSION=0.2.0',
      'REVISION=abc123',
      'BUILT_AT=2026-01-01T00:00:00.000Z',
      'SOURCE=abc123',
      'NODE_IMAGE=gantry/node-base:local',
    ]);
    expect(value('--metadata-file')).toEqual(['/tmp/meta.json']);
    expect(value('--platform')).toEqual(['linux/arm64']);
    expect(args).toContain('--provenance=false');
    expect(args).not.toContain('--tag');
    expect(args.at(-1)).toBe('/ctx');
  });

  it('keeps the cache in another repository when told to (ECR repositories with immutable tags)', () => {
    const args = buildxArgs({ ...options, cacheRef: 'r/gantry/cache:hello' }, '/ctx', '/tmp/m.json');

    expect(args).toContain('type=registry,ref=r/gantry/cache:hello,mode=max,image-manifest=true,oci-mediatypes=true');
  });
});

describe('classicArgs', () => {
  it('passes the same build arguments as the BuildKit build, and tags the local image', () => {
    const classic = classicArgs(options, '/ctx', 'gantry/hello:0.2.0');
    const buildx = buildxArgs(options, '/ctx', '/tmp/meta.json');
    const values = (args: string[]) => args.filter((_, index) => args[index - 1] === '--build-arg');

    expect(classic.slice(0, 3)).toEqual(['build', '--tag', 'gantry/hello:0.2.0']);
    expect(values(classic)).toEqual(values(buildx));
    expect(classic.at(-1)).toBe('/ctx');
  });
});

describe('the default base image', () => {
  it('is ECR Public node bookworm-slim, pinned by digest, on the Node major of the local base image', () => {
    const image = defaultNodeImage();

    expect(image).toMatch(/^public\.ecr\.aws\/docker\/library\/node:\d+-bookworm-slim@sha256:[0-9a-f]{64}$/);
    expect(nodeMajorOf(image)).toBe(24);
    expect(Object.values(LOCAL_NODE).map((node) => Number(node.version.split('.')[0]))).toEqual(
      Object.values(LOCAL_NODE).map(() => nodeMajorOf(image)),
    );
  });

  it('is read from the `ARG NODE_IMAGE=` line, and a Dockerfile without one is named', () => {
    expect(defaultNodeImage('FROM x\nARG NODE_IMAGE=example/node:26-slim\n')).toBe('example/node:26-slim');
    expect(nodeMajorOf('node:22.4.1-slim')).toBe(22);
    expect(nodeMajorOf('mirror.example/library/node:26')).toBe(26);
    expect(() => defaultNodeImage('FROM scratch\n')).toThrow(
      /service\.Dockerfile has no `ARG NODE_IMAGE=<image>` line/,
    );
    expect(() => nodeMajorOf('gantry/node-base:latest')).toThrow(
      'gantry/node-base:latest names no Node major (expected …/node:<major>-…)',
    );
  });
});

describe('stageContext', () => {
  it('holds the bundle as main.js and the shared Dockerfile, nothing else', () => {
    const context = stageContext(workspaceRoot, 'hello');

    expect(readdirSync(context).sort()).toEqual(['Dockerfile', 'main.js']);
    expect(readFileSync(join(context, 'Dockerfile'), 'utf8')).toBe(readFileSync(SERVICE_DOCKERFILE, 'utf8'));
  });

  it('says how to build a bundle that is missing', () => {
    expect(() => stageContext(workspaceRoot, 'pricing')).toThrow(
      'pricing: apps/pricing/dist/main.js is missing; build it first (npx nx run pricing:build)',
    );
  });
});

describe('parseBuildxMetadata', () => {
  it('reads the pushed manifest and config digests', () => {
    const text = JSON.stringify({
      'containerimage.digest': MANIFEST,
      'containerimage.config.digest': CONFIG,
      'containerimage.descriptor': {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: MANIFEST,
        size: 1,
      },
    });

    expect(parseBuildxMetadata(text, 'gantry/hello')).toEqual({
      repository: 'gantry/hello',
      manifestDigest: MANIFEST,
      configDigest: CONFIG,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
    });
  });

  it('fails clearly when the digests are missing', () => {
    expect(() => parseBuildxMetadata('{"buildx.build.ref":"x"}', 'gantry/hello')).toThrow(
      /lacks containerimage\.digest/,
    );
  });
});

describe('buildImage', () => {
  it('falls back to the classic builder, saying in one line that the BuildKit cache is not used and why', async () => {
    const lines: string[] = [];
    const docker = fakeDocker({ 'buildx version': NO_BUILDX, build: '', 'image inspect': CONFIG });

    const built = await buildImage(docker, { ...options, log: (line) => lines.push(line) });

    expect(built).toEqual({ kind: 'local', localImage: 'gantry/hello:0.2.0', imageId: CONFIG });
    expect(lines).toEqual([
      'hello: classic docker build; BuildKit registry cache not used: docker buildx is not available (docker buildx version failed: docker: unknown command: docker buildx)',
    ]);
    const build = docker.calls.find((args) => args[0] === 'build') as string[];
    expect(build).toEqual(
      expect.arrayContaining([
        '--tag',
        'gantry/hello:0.2.0',
        '--build-arg',
        'SERVICE=hello',
        '--build-arg',
        'NODE_IMAGE=gantry/node-base:local',
      ]),
    );
    expect(build.join(' ')).not.toMatch(/cache|buildx/);
  });

  it('builds into the local engine, without a word about BuildKit, when there is no registry', async () => {
    const lines: string[] = [];
    const docker = fakeDocker({ build: '', 'image inspect': CONFIG });

    const built = await buildImage(docker, {
      ...options,
      registry: undefined,
      repository: undefined,
      log: (line) => lines.push(line),
    });

    expect(built).toEqual({ kind: 'local', localImage: 'gantry/hello:0.2.0', imageId: CONFIG });
    expect(lines).toEqual([]);
    expect(docker.calls.map((args) => args[0])).toEqual(['build', 'image']);
  });

  it('builds with buildx and returns the digests it pushed when buildx is usable', async () => {
    const calls: string[][] = [];
    const docker: Docker = async (args) => {
      calls.push(args);
      const metadataFile = args[args.indexOf('--metadata-file') + 1];
      writeFileSync(
        metadataFile,
        JSON.stringify({ 'containerimage.digest': MANIFEST, 'containerimage.config.digest': CONFIG }),
      );
      return '';
    };

    const built = await buildImage(docker, {
      ...options,
      buildx: { usable: true, version: 'v0.23.0', driver: 'docker-container' },
      log: () => undefined,
    });

    expect(built).toEqual({
      kind: 'pushed',
      pushed: { repository: 'gantry/hello', manifestDigest: MANIFEST, configDigest: CONFIG, mediaType: undefined },
    });
    expect(calls).toHaveLength(1);
    expect(calls[0].slice(0, 3)).toEqual(['buildx', 'build', '--push']);
  });
});
