import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildLocalBaseImage, dockerCli } from '@gantry/docker';
import { git, runCli } from '@gantry/process';
import { startCacheServer, startS3Standin } from '@gantry/remote-cache';
import { loadCatalog } from '@gantry/service-catalog';
import { readLocalState } from './local-environment/state';
import { localShardRunner } from './local-shards';
import { ensureStandins, stopStandins } from './local-standins';
import { localEnvironmentLayout, stateHome } from './settings';
import type { StepContext } from './step-context';
import { PIPELINE_STEPS, type ChecksState, type DeployState, type ImagesState, type VersionState } from './steps';
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
 * `npm run pipeline`: the CodeBuild pipeline on this machine, with loopback stand-ins for AWS: a private
 * Docker engine, Debian's docker-registry for ECR, s3rver for S3, files for SSM, a local bare repository for
 * origin, and containers behind a gateway daemon for ECS and the ALB. The release commit and tags are made in
 * this checkout. The engine, the registry and what was deployed keep running afterwards
 * (`npm run pipeline -- stop` ends them), so the next run and `npm run rollback` act on them.
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

  let failed: Error | undefined;
  try {
    const catalog = loadCatalog(root);
    let context: StepContext = {
      root,
      env: { ...env, AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING: '1' },
      log: print,
      catalog,
    };
    await step(
      'stand-ins',
      async ({ log }) => {
        const standins = await ensureStandins(root, env, log);
        const s3 = await startS3Standin(resolve(stateHome(root, env), 's3'), ['gantry-nx-cache']);
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
        const nodeImage = await buildLocalBaseImage(dockerCli(standins['DOCKER_HOST'] as string));
        log(`local Node base image ${nodeImage} (no public registry here)`);
        const origin = env['GANTRY_RELEASE_REMOTE'] || localOrigin(root, resolve(root, '.gantry/origin.git'), log);
        context = {
          ...context,
          env: {
            ...context.env,
            ...standins,
            ...cache.env,
            GANTRY_NODE_IMAGE: nodeImage,
            GANTRY_RELEASE_REMOTE: origin,
          },
        };
      },
      context,
    );
    for (const { name, run } of PIPELINE_STEPS) {
      if (name === 'cache') continue; // served in-process by the stand-ins above
      if (name === 'smoke' && states.deploy?.plan.services.length === 0) {
        skip('smoke', 'no service deployed');
        continue;
      }
      // Checks and images spread over parallel workers when the change is bigger than one build takes.
      const runShards = localShardRunner(root, context.env);
      Object.assign(states, { [name]: await step(name, run, { ...context, runShards }) });
    }
  } catch (error) {
    failed = error as Error;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
  print(`\n${summaryTable({ timings, checks: states.checks, version: states.version, images: states.images })}`);
  print(`\n${describeLocalEnvironment(root, env)}`);
  if (failed) {
    print(`\npipeline FAILED: ${failed.message}`);
    return 1;
  }
  print('\npipeline succeeded');
  return 0;
}

/** What the local environment serves now, and how to end it. */
function describeLocalEnvironment(root: string, env: NodeJS.ProcessEnv): string {
  const layout = localEnvironmentLayout(root, env);
  const services = Object.entries(readLocalState(layout.stateFile).services);
  if (services.length === 0) return 'local environment: nothing deployed';
  const running = services.map(([name, s]) => `${name} ${s.version}`).join(', ');
  return `local environment at ${layout.url}: ${running} (npm run pipeline -- stop ends it)`;
}

if (require.main === module) {
  runCli('pipeline', async ([command]) => {
    const root = resolve(__dirname, '../../..');
    const print = (line: string) => console.log(line);
    if (command === 'stop') {
      await stopStandins(root, process.env, print);
      return 0;
    }
    if (command !== undefined) throw new Error(`unknown command "${command}"; usage: npm run pipeline [-- stop]`);
    return runLocalPipeline(root, process.env, print);
  });
}
