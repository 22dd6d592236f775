import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { DEFAULT_SHARDING } from '@gantry/service-catalog';
import { PIPELINE_STEPS } from './steps';

// The buildspecs are only wiring; these checks keep them pointing at steps that exist, in order, across the
// stages of the main pipeline (each stage one CodeBuild project: infra/src/pipeline-stack.ts) and the
// pull-request pipeline.
const root = resolve(__dirname, '../../..');
const MAIN_STAGES = [
  'buildspec.yml',
  'tools/pipeline/buildspecs/release.yml',
  'tools/pipeline/buildspecs/images.yml',
  'tools/pipeline/buildspecs/deploy.yml',
  'tools/pipeline/buildspecs/record.yml',
];
const PULL_REQUEST = 'tools/pipeline/buildspecs/pull-request.yml';
const ALL = [...MAIN_STAGES, PULL_REQUEST];

interface Phase {
  'on-failure'?: string;
  commands: string[];
}
interface BuildSpec {
  version: number;
  phases: Record<string, Phase>;
  reports?: Record<string, { 'file-format': string; files: string[] }>;
  artifacts?: { files: string[] };
  cache: { paths: string[] };
  batch?: {
    'fast-fail': boolean;
    'build-list': Array<{ identifier: string; env: { variables: Record<string, string> } }>;
  };
}

const text = (file: string) => readFileSync(resolve(root, file), 'utf8');
const spec = (file: string) => parse(text(file)) as BuildSpec;
const header = (file: string) => text(file).split('\nversion:')[0];
const commands = (file: string) => Object.values(spec(file).phases).flatMap((phase) => phase.commands);
const knownSteps = PIPELINE_STEPS.map((step) => step.name);
/** The pipeline steps a buildspec calls, in order. */
const stepsOf = (file: string) =>
  commands(file).flatMap((command) =>
    [...command.matchAll(/tools\/pipeline\/src\/main\.ts (\w+)/g)].map((match) => match[1]),
  );

describe('the buildspecs', () => {
  it('are the five stages of main and the pull-request one, and nothing else', () => {
    expect(readdirSync(resolve(root, 'tools/pipeline/buildspecs')).sort()).toEqual([
      'deploy.yml',
      'images.yml',
      'pull-request.yml',
      'record.yml',
      'release.yml',
    ]);
  });

  it.each(ALL)('%s is a version 0.2 buildspec that installs with no install scripts but the approved ones', (file) => {
    expect(spec(file).version).toBe(0.2);
    expect(Object.keys(spec(file).phases)[0]).toBe('install');
    expect(spec(file).phases['install'].commands).toEqual([
      'npm ci --ignore-scripts --no-audit --no-fund',
      'npx tsx tools/pipeline/src/rebuild-approved.ts',
    ]);
    expect(spec(file).cache.paths).toEqual(['/root/.npm/**/*']);
  });

  it.each(ALL)('%s aborts when install, set-up or its steps fail, so nothing runs after a failure', (file) => {
    for (const [name, phase] of Object.entries(spec(file).phases)) {
      if (name !== 'post_build') expect(phase['on-failure']).toBe('ABORT');
    }
  });

  it('runs every pipeline step across the stages of main in order, each once but the cache, which each Nx stage starts', () => {
    const perStage = MAIN_STAGES.map(stepsOf);
    for (const steps of perStage) {
      const order = steps.map((step) => knownSteps.indexOf(step));
      expect(order).not.toContain(-1);
      expect([...order].sort((a, b) => a - b)).toEqual(order);
      expect(new Set(steps).size).toBe(steps.length);
    }

    expect(perStage).toEqual([
      ['base', 'cache', 'checks'],
      ['version'],
      ['cache', 'images'],
      ['migrate', 'deploy', 'smoke'],
      ['record'],
    ]);
    expect([...new Set(perStage.flat())]).toEqual(knownSteps);
  });

  it('runs only install and the checks for pull requests', () => {
    expect(stepsOf(PULL_REQUEST)).toEqual(['base', 'cache', 'checks']);
    expect(spec(PULL_REQUEST).artifacts).toBeUndefined();
  });

  it.each(ALL)('%s sources the cache adapter right after starting it, before any step that runs Nx', (file) => {
    const all = commands(file);
    const cache = all.findIndex((command) => command.endsWith('main.ts cache'));
    const nx = all.findIndex((command) => /main\.ts (checks|images)$/.test(command));
    if (nx === -1) return expect(cache).toBe(-1);
    expect(cache).toBeGreaterThan(-1);
    expect(all[cache + 1]).toBe('. dist/pipeline/cache.env');
    expect(cache).toBeLessThan(nx);
  });

  it("hands each stage's state to the next: pack where a stage ends, unpack of the earlier artifacts first", () => {
    const [checks, release, images, deploy, record] = MAIN_STAGES.map(spec);
    const pack = 'npx tsx tools/pipeline/src/handoff.ts pack';
    const unpack = (...artifacts: string[]) =>
      `npx tsx tools/pipeline/src/handoff.ts unpack ${artifacts.map((a) => `"$CODEBUILD_SRC_DIR_${a}"`).join(' ')}`;

    for (const stage of [checks, release]) {
      expect(stage.phases['build'].commands.at(-1)).toBe(pack);
      expect(stage.artifacts?.files).toEqual(['dist/pipeline/*.json', 'dist/pipeline/handoff.bundle']);
    }
    expect(release.phases['pre_build'].commands[0]).toBe(unpack('ChecksState'));
    expect(images.phases['pre_build'].commands[0]).toBe(unpack('ReleaseState'));
    expect(images.artifacts?.files).toEqual(['dist/pipeline/images*.json']);
    expect(deploy.phases['pre_build'].commands[0]).toBe(unpack('ReleaseState', 'ImagesState'));
    expect(deploy.artifacts?.files).toEqual(['dist/pipeline/deploy.json']);
    expect(record.phases['pre_build'].commands[0]).toBe(unpack('ReleaseState', 'ImagesState', 'DeployState'));
    expect(record.artifacts).toBeUndefined();
  });

  it.each(['buildspec.yml', 'tools/pipeline/buildspecs/images.yml'])(
    '%s runs as a batch of the default number of builds, each told which shard it is, stopping at the first failure',
    (file) => {
      const batch = spec(file).batch;
      const count = DEFAULT_SHARDING.builds;
      expect(batch?.['fast-fail']).toBe(true);
      expect(batch?.['build-list']).toEqual(
        Array.from({ length: count }, (_, i) => ({
          identifier: `shard_${i + 1}`,
          env: { variables: { GANTRY_SHARD: `${i + 1}/${count}` } },
        })),
      );
    },
  );

  it('runs no other stage as a batch: version, deploy and record happen once', () => {
    expect(ALL.filter((file) => spec(file).batch)).toEqual(['buildspec.yml', 'tools/pipeline/buildspecs/images.yml']);
  });

  it('records only while the build is succeeding, after everything else', () => {
    const record = spec('tools/pipeline/buildspecs/record.yml');
    const recording = ALL.flatMap(commands).filter((command) => command.includes('main.ts record'));

    expect(recording).toEqual([
      'if [ "$CODEBUILD_BUILD_SUCCEEDING" = "1" ]; then npx tsx tools/pipeline/src/main.ts record; fi',
    ]);
    expect(record.phases['post_build'].commands).toEqual(recording);
    expect(Object.keys(record.phases).at(-1)).toBe('post_build');
  });

  it('publishes the JUnit reports of the checks, on main and on pull requests', () => {
    for (const file of ['buildspec.yml', PULL_REQUEST]) {
      expect(spec(file).reports?.['jest']['file-format']).toBe('JUNITXML');
      expect(spec(file).reports?.['jest'].files).toEqual([
        'apps/*/test-output/junit/*.xml',
        'libs/*/test-output/junit/*.xml',
        'tools/*/test-output/junit/*.xml',
      ]);
    }
  });

  it('never exports a registry password: the steps that need ECR log in with their own role', () => {
    expect(
      ALL.flatMap(commands).filter((command) => /get-login-password|docker login|GANTRY_REGISTRY/.test(command)),
    ).toEqual([]);
  });

  it('documents every GANTRY_ variable that the steps read in a buildspec header', () => {
    const sources = readdirSync(__dirname, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts') && !/\.(spec|e2e)\.ts$/.test(file) && file !== 'testing.ts')
      .map((file) => readFileSync(resolve(__dirname, file), 'utf8'));
    const cacheConfig = readFileSync(resolve(root, 'tools/remote-cache/src/config.ts'), 'utf8');
    const read = new Set(
      [...[...sources, cacheConfig].join('\n').matchAll(/GANTRY_[A-Z_]+/g)].map((match) => match[0]),
    );
    // Local-runner settings (state home, ports, base file) do not apply to CodeBuild.
    for (const localOnly of [
      'GANTRY_STATE_HOME',
      'GANTRY_BASE_FILE',
      'GANTRY_REGISTRY_PORT',
      'GANTRY_REGISTRY_HOME',
      'GANTRY_DOCKER_HOME',
      'GANTRY_NODE_IMAGE',
      'GANTRY_CACHE_ENDPOINT',
      'GANTRY_CACHE_PORT',
      'GANTRY_LOCAL_ALB_PORT',
    ]) {
      read.delete(localOnly);
    }
    const headers = ALL.map(header).join('\n');

    expect([...read].filter((variable) => !new RegExp(`\\b${variable}\\b`).test(headers))).toEqual([]);
    expect(header('buildspec.yml')).toMatch(/GANTRY_CACHE_MAX_BYTES {4}the largest entry the adapter stores/);
  });
});
