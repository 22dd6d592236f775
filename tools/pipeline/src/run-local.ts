import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  buildLocalBaseImage,
  defaultEngineLayout,
  defaultRegistryLayout,
  dockerCli,
  engineAnswers,
  startEngine,
  startRegistry,
  stopEngine,
  stopRegistry,
} from '@gantry/docker';
import { git, runCli } from '@gantry/process';
import { startCacheServer, startS3Standin } from '@gantry/remote-cache';
import { DEFAULT_REPOSITORY_PREFIX, imageReference, loadCatalog, type ServiceEntry } from '@gantry/service-catalog';
import { startLocalEnvironment } from './local-environment';
import type { StepContext } from './step-context';
import {
  PIPELINE_STEPS,
  smokeStep,
  type ChecksState,
  type DeployState,
  type ImagesState,
  type VersionState,
} from './steps';
import { summaryTable, type StepTiming } from './summary';

/**
 * The stand-in for origin: a bare copy of this checkout (its branches and tags, as origin would have them),
 * made on the first run. The record step pushes releases there, never to the real origin.
 */
function localOrigin(root: string, path: string, log: (line: string) => void): string {
  if (!existsSync(path)) git(root, ['clone', '-q', '--bare', root, path]);
  log(`release pushes go to the local bare repository ${path}`);
  return path;
}

/**
 * `npm run pipeline`: the CodeBuild pipeline on this machine, with loopback stand-ins for AWS:
 * a private Docker engine, Debian's docker-registry for ECR, s3rver for S3, a file for SSM, and a local
 * bare repository for origin, and containers behind the local gateway for ECS and the ALB. The release
 * commit and tags are made in this checkout; deploy synthesizes and checks the CDK app (no AWS here).
 */
export async function runLocalPipeline(
  root: string,
  env: NodeJS.ProcessEnv,
  print: (line: string) => void,
): Promise<number> {
  const timings: StepTiming[] = [];
  const cleanups: Array<() => Promise<unknown>> = [];
  const states: { checks?: ChecksState; version?: VersionState; images: ImagesState; deploy?: DeployState } = {
    images: [],
  };
  const step = async <T>(
    name: string,
    work: (context: StepContext) => Promise<T>,
    context: StepContext,
  ): Promise<T> => {
    print(`\n▶ ${name}`);
    const started = performance.now();
    try {
      const result = await work({ ...context, log: (line) => print(`  [${name}] ${line}`) });
      timings.push({ name, ms: performance.now() - started, outcome: 'ok' });
      return result;
    } catch (error) {
      timings.push({ name, ms: performance.now() - started, outcome: 'failed' });
      throw error;
    }
  };
  const skip = (name: string, why: string) => {
    print(`\n▷ ${name}: skipped (${why})`);
    timings.push({ name, ms: 0, outcome: `skipped: ${why}` });
  };

  const stateHome = resolve(root, env['GANTRY_STATE_HOME'] ?? '.gantry');
  const engine = defaultEngineLayout({ GANTRY_DOCKER_HOME: resolve(stateHome, 'docker'), ...env }, root);
  const registryLayout = defaultRegistryLayout({ GANTRY_REGISTRY_HOME: resolve(stateHome, 'registry'), ...env }, root);
  const docker = dockerCli(engine.host);
  let failed: Error | undefined;
  try {
    const catalog = loadCatalog(root);
    let context: StepContext = {
      root,
      env: { ...env, DOCKER_HOST: engine.host, AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING: '1' },
      log: print,
      catalog,
    };
    await step(
      'stand-ins',
      async ({ log }) => {
        if (!(await engineAnswers(engine.host))) {
          await startEngine(engine, log);
          cleanups.push(() => stopEngine(engine, log));
        }
        await startRegistry(registryLayout, log);
        cleanups.push(() => stopRegistry(registryLayout, log));
        const s3 = await startS3Standin(resolve(stateHome, 's3'), ['gantry-nx-cache']);
        cleanups.push(() => s3.close());
        log(`S3 stand-in (s3rver) at ${s3.endpoint}`);
        // The cache step's adapter, in this process: it lives exactly as long as the run.
        const cache = await startCacheServer({
          ...context.env,
          ...s3.env,
          GANTRY_CACHE_BUCKET: 'gantry-nx-cache',
          GANTRY_CACHE_ENDPOINT: s3.endpoint,
          GANTRY_CACHE_MODE: env['GANTRY_CACHE_MODE'] ?? 'read-write',
        });
        cleanups.push(() => cache.close());
        log(`Nx remote cache (${cache.config.GANTRY_CACHE_MODE}) at ${cache.url}`);
        const nodeImage = await buildLocalBaseImage(docker);
        log(`local Node base image ${nodeImage} (no public registry here)`);
        const origin = env['GANTRY_RELEASE_REMOTE'] || localOrigin(root, resolve(root, '.gantry/origin.git'), log);
        context = {
          ...context,
          env: {
            ...context.env,
            ...cache.env,
            GANTRY_REGISTRY: registryLayout.address,
            GANTRY_NODE_IMAGE: nodeImage,
            GANTRY_RELEASE_REMOTE: origin,
          },
        };
      },
      context,
    );
    for (const { name, run } of PIPELINE_STEPS) {
      if (name === 'cache') continue; // served in-process by the stand-ins above
      if (name === 'smoke') {
        const deployed = states.deploy as DeployState;
        if (deployed.plan.services.length === 0) skip('smoke', 'no service deployed');
        else
          await step('smoke', (each) => smokeThroughLocalEnvironment(each, deployed, registryLayout.address), context);
        continue;
      }
      const result = await step(name, run, context);
      Object.assign(states, { [name]: result });
    }
  } catch (error) {
    failed = error as Error;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
  print(`\n${summaryTable({ timings, checks: states.checks, version: states.version, images: states.images })}`);
  if (failed) {
    print(`\npipeline FAILED: ${failed.message}`);
    return 1;
  }
  print('\npipeline succeeded');
  return 0;

  /** ECS and the ALB's stand-in: the deployed images in containers behind the local gateway, smoke-tested through it. */
  async function smokeThroughLocalEnvironment(
    context: StepContext,
    deployed: DeployState,
    registry: string,
  ): Promise<boolean> {
    const prefix = context.env['GANTRY_REPOSITORY_PREFIX'] || DEFAULT_REPOSITORY_PREFIX;
    const environment = await startLocalEnvironment({
      docker,
      services: deployed.plan.services.map((s) => ({
        entry: context.catalog.find((e) => e.name === s.service) as ServiceEntry,
        image: imageReference(registry, s.service, s.tag, prefix),
      })),
      log: context.log,
    });
    try {
      return await smokeStep({ ...context, env: { ...context.env, GANTRY_SMOKE_URL: environment.url } });
    } finally {
      await environment.stop();
    }
  }
}

if (require.main === module) {
  runCli('pipeline', () => runLocalPipeline(resolve(__dirname, '../../..'), process.env, (line) => console.log(line)));
}
