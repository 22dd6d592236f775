import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildLocalBaseImage, dockerCli } from '@gantry/docker';
import { buildImage, detectBuildx, publishImage, registryClient } from '@gantry/images';
import { imageContext, runCdk } from '@gantry/pipeline';
import { git, runNx } from '@gantry/process';
import { repositoryName, serviceVersion } from '@gantry/service-catalog';

/** The work a change to one service cannot do without, each part timed on its own. */
export interface IrreducibleWork {
  /** Its lint, typecheck, test and build, run directly with no cache. */
  tasks: number;
  /** One image build and push to the registry. */
  image: number;
  /** A synth of its stack alone. */
  synth: number;
}

export const IRREDUCIBLE_TASKS = ['lint', 'typecheck', 'test', 'build'];

async function timed<T>(work: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { seconds: (performance.now() - started) / 1000, value };
}

/**
 * Measures, in a clone the pipeline has just run in (its registry still up), what shipping `service` costs
 * at the least: its own tasks with no cache and no dependency tasks, one image build and push with the
 * images step's own helpers (classic build and `docker push` on this engine), and a synth of its stack alone
 * with the deploy step's CDK helpers. The image goes to the service's repository under a tag of its own.
 */
export async function irreducibleWork(
  root: string,
  service: string,
  env: NodeJS.ProcessEnv,
  dockerHost: string,
  log: (line: string) => void,
): Promise<IrreducibleWork> {
  const nxEnv = { ...env, NX_CACHE_DIRECTORY: join(root, '.nx/cache') };
  const args = ['run-many', '-t', ...IRREDUCIBLE_TASKS, `--projects=${service}`, '--skip-nx-cache'];
  const tasks = await timed(() =>
    runNx(root, [...args, '--excludeTaskDependencies', '--output-style=static'], { env: nxEnv }),
  );
  if (tasks.value.code !== 0)
    throw new Error(`${service}'s own tasks failed:\n${tasks.value.lines.slice(-20).join('\n')}`);
  log(`${service}: lint, typecheck, test and build in ${tasks.seconds.toFixed(1)} s`);

  const docker = dockerCli(dockerHost);
  const registry = registryClient(`127.0.0.1:${env['GANTRY_REGISTRY_PORT']}`);
  // Both are set up once per pipeline run too, before any image is built.
  const [buildx, nodeImage] = [await detectBuildx(docker), await buildLocalBaseImage(docker)];
  const version = serviceVersion(root, service);
  const commit = git(root, ['rev-parse', 'HEAD']);
  const repository = repositoryName(service);
  const image = await timed(async () => {
    const built = await buildImage(docker, {
      workspaceRoot: root,
      service,
      version,
      revision: commit,
      builtAt: new Date().toISOString(),
      nodeImage,
      registry: registry.host,
      repository,
      buildx,
      log,
    });
    return publishImage(docker, registry, {
      service,
      repository,
      tags: [`irreducible-${Date.now()}`],
      ...(built.kind === 'local' ? { localImage: built.localImage } : { pushed: built.pushed }),
      log,
    });
  });
  log(`${service}: image built and pushed in ${image.seconds.toFixed(1)} s`);

  const out = mkdtempSync(join(tmpdir(), 'gantry-bench-synth-'));
  try {
    const pinned = imageContext([{ service, image: `${version}@${image.value.digest}` }]);
    const synth = await timed(() =>
      runCdk(root, ['synth', '--quiet', '--output', out, '-c', `services=${service}`, ...pinned], env),
    );
    if (synth.value.code !== 0) throw new Error(`cdk synth failed:\n${synth.value.lines.slice(-20).join('\n')}`);
    log(`${service}: its stack alone synthesized in ${synth.seconds.toFixed(1)} s`);
    return { tasks: tasks.seconds, image: image.seconds, synth: synth.seconds };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
