import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildLocalBaseImage, dockerCli } from '@gantry/containers';
import { defaultLayout, engineAnswers, startEngine, stopEngine } from '@gantry/docker-engine';
import { defaultRegistryLayout, startRegistry, stopRegistry } from '@gantry/images';
import { startCacheServer, startS3Standin } from '@gantry/remote-cache';
import { loadCatalog, type ServiceEntry } from '@gantry/service-catalog';
import { imagesStep } from './images-step';
import { baseStep, checksStep, recordStep, type StepContext } from './steps';
import { summaryTable, type StepTiming } from './summary';
import { versionStep, type VersionState } from './version-step';
import { deployStep, smokeStep } from './deploy-step';
import { startLocalEnvironment } from './local-environment';

/**
 * The stand-in for origin: a bare copy of this checkout (its branches and tags, as origin would have them),
 * made on the first run. The record step pushes releases there, never to the real origin.
 */
function localOrigin(root: string, path: string, log: (line: string) => void): string {
  if (!existsSync(path)) execFileSync('git', ['clone', '-q', '--bare', root, path]);
  log(`release pushes go to the local bare repository ${path}`);
  return path;
}

/**
 * `npm run pipeline`: the CodeBuild pipeline on this machine, with loopback stand-ins for AWS:
 * a private Docker engine, Debian's docker-registry for ECR, s3rver for S3, a file for SSM, and a local
 * bare repository for origin, and containers behind the local gateway for ECS and the ALB. The release
 * commit and tags are made in this checkout; deploy synthesizes and checks the CDK app (no AWS here).
 */
export async function runLocalPipeline(root: string, env: NodeJS.ProcessEnv, print: (line: string) => void): Promise<number> {
  const timings: StepTiming[] = [];
  const cleanups: Array<() => Promise<unknown>> = [];
  const step = async <T>(name: string, work: (context: StepContext) => Promise<T>, context: StepContext): Promise<T> => {
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
  const engine = defaultLayout({ GANTRY_DOCKER_HOME: resolve(stateHome, 'docker'), ...env }, root);
  const registryLayout = defaultRegistryLayout({ GANTRY_REGISTRY_HOME: resolve(stateHome, 'registry'), ...env }, root);
  let pipelineEnv: NodeJS.ProcessEnv = { ...env, DOCKER_HOST: engine.host, AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING: '1' };
  const context = { root, env: pipelineEnv, log: print };
  let failed: Error | undefined;
  let images: Awaited<ReturnType<typeof imagesStep>> = [];
  let checks: Awaited<ReturnType<typeof checksStep>> | undefined;
  let version: VersionState | undefined;
  try {
    await step('stand-ins', async ({ log }) => {
      if (!(await engineAnswers(engine.host))) {
        await startEngine(engine, log);
        cleanups.push(() => stopEngine(engine, log));
      }
      await startRegistry(registryLayout, log);
      cleanups.push(() => stopRegistry(registryLayout, log));
      const s3 = await startS3Standin(resolve(stateHome, 's3'), ['gantry-nx-cache']);
      cleanups.push(() => s3.close());
      log(`S3 stand-in (s3rver) at ${s3.endpoint}`);
      const cache = await startCacheServer({
        ...pipelineEnv,
        ...s3.env,
        GANTRY_CACHE_BUCKET: 'gantry-nx-cache',
        GANTRY_CACHE_ENDPOINT: s3.endpoint,
        GANTRY_CACHE_MODE: env['GANTRY_CACHE_MODE'] ?? 'read-write',
      });
      cleanups.push(() => cache.close());
      log(`Nx remote cache (${cache.config.GANTRY_CACHE_MODE}) at ${cache.url}`);
      const nodeImage = await buildLocalBaseImage(dockerCli(engine.host));
      log(`local Node base image ${nodeImage} (no public registry here)`);
      const origin = env['GANTRY_RELEASE_REMOTE'] || localOrigin(root, resolve(root, '.gantry/origin.git'), log);
      pipelineEnv = { ...pipelineEnv, ...cache.env, GANTRY_REGISTRY: registryLayout.address, GANTRY_NODE_IMAGE: nodeImage, GANTRY_RELEASE_REMOTE: origin };
    }, context);
    const withEnv = { ...context, env: pipelineEnv };
    await step('base', baseStep, withEnv);
    checks = await step('checks', checksStep, withEnv);
    version = await step('version', versionStep, withEnv);
    images = await step('images', imagesStep, withEnv);
    const deployed = await step('deploy', deployStep, withEnv);
    if (deployed.plan.services.length === 0) {
      skip('smoke', 'no service deployed');
    } else {
      await step('smoke', async (context) => {
        // ECS and the ALB's stand-in: the deployed images in containers behind the local gateway.
        const docker = dockerCli(engine.host);
        const catalog = loadCatalog(root);
        const environment = await startLocalEnvironment({
          docker,
          services: deployed.plan.services.map((s) => ({ entry: catalog.find((e) => e.name === s.service) as ServiceEntry, image: `${registryLayout.address}/${pipelineEnv['GANTRY_REPOSITORY_PREFIX'] ?? 'gantry'}/${s.service}:${s.tag}` })),
          log: context.log,
        });
        try {
          return await smokeStep({ ...context, env: { ...context.env, GANTRY_SMOKE_URL: environment.url } });
        } finally {
          await environment.stop();
        }
      }, withEnv);
    }
    await step('record', recordStep, withEnv);
  } catch (error) {
    failed = error as Error;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
  print(`\n${summaryTable({ timings, checks, version, images })}`);
  if (failed) {
    print(`\npipeline FAILED: ${failed.message}`);
    return 1;
  }
  print('\npipeline succeeded');
  return 0;
}

if (require.main === module) {
  runLocalPipeline(resolve(__dirname, '../../..'), process.env, (line) => console.log(line)).then((code) => process.exit(code));
}
