import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { PIPELINE_STEPS } from './steps';

// buildspec.yml is only wiring; these checks keep it pointing at steps that exist.
const root = resolve(__dirname, '../../..');
const text = readFileSync(resolve(root, 'buildspec.yml'), 'utf8');
const spec = parse(text) as {
  version: number;
  phases: Record<string, { 'on-failure'?: string; commands: string[] }>;
  reports: Record<string, { 'file-format': string; files: string[] }>;
  cache: { paths: string[] };
};
const knownSteps = PIPELINE_STEPS.map((step) => step.name);

describe('buildspec.yml', () => {
  it('is a version 0.2 buildspec with install, pre_build, build and post_build', () => {
    expect(spec.version).toBe(0.2);
    expect(Object.keys(spec.phases)).toEqual(['install', 'pre_build', 'build', 'post_build']);
  });

  it('only calls pipeline steps that exist', () => {
    const called = Object.values(spec.phases)
      .flatMap((phase) => phase.commands)
      .flatMap((command) => [...command.matchAll(/tools\/pipeline\/src\/main\.ts (\w+)/g)].map((match) => match[1]));

    expect(called).toEqual(knownSteps);
  });

  it('aborts the build when install, set-up or checks fail, so nothing is pushed after a failure', () => {
    for (const phase of ['install', 'pre_build', 'build']) expect(spec.phases[phase]['on-failure']).toBe('ABORT');
    expect(spec.phases['post_build'].commands.join('\n')).toContain('"$CODEBUILD_BUILD_SUCCEEDING" = "1"');
  });

  it('publishes JUnit reports and caches the npm download cache', () => {
    expect(spec.reports['jest']['file-format']).toBe('JUNITXML');
    expect(spec.cache.paths).toEqual(['/root/.npm/**/*']);
  });

  it('documents every GANTRY_ variable that the steps read', () => {
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
    const header = text.split('\nversion:')[0];

    expect([...read].filter((variable) => !header.includes(variable))).toEqual([]);
  });
});
