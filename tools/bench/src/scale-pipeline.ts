import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ChecksState } from '@gantry/pipeline';
import { sandboxEnv, stopStandins } from '@gantry/pipeline/testing';
import { cloneWorkspace, commitChange } from '@gantry/process/testing';
import { irreducibleWork, type IrreducibleWork } from './irreducible';
import { timedPipeline } from './pipeline-bench';
import { addGeneratedServices } from './scale-workspace';

/** The service whose change is timed: one of the repo's own, present at every size. */
export const CHANGED_SERVICE = 'hello';

export interface SizeFigures {
  services: number;
  /** How many of them the generator added. */
  generated: number;
  generateSeconds: number;
  cold: number;
  oneService: number;
  docsOnly: number;
  /** Seconds per step of each run, by run label. */
  steps: Map<string, Map<string, number>>;
  /** Measured at the smallest size only: the one-service change's irreducible work and a warm fresh clone. */
  irreducible?: IrreducibleWork;
  warmFreshClone?: { seconds: number; remoteHits: number; tasks: number };
}

/**
 * The pipeline on a clone of `source` grown to `services` services with the generator, with its own
 * stand-ins (registry on `registryPort`, S3, local environment): a cold first run, a change to hello alone and
 * a docs-only change. With `extras`, also hello's irreducible work right after its change, and a fresh clone
 * of the grown commit run against the S3 cache the cold run filled. Stops the stand-ins and removes the
 * clones and their state, even after a failure.
 */
export async function pipelineAtSize(
  source: string,
  services: number,
  registryPort: number,
  options: { existing: number; dockerHost: string; extras: boolean; log: (line: string) => void },
): Promise<SizeFigures> {
  const { log } = options;
  const env = sandboxEnv(source, registryPort);
  const steps = new Map<string, Map<string, number>>();
  const folders: string[] = [];
  const run = async (label: string, clone: string) => {
    const result = await timedPipeline(`${services} services, ${label}`, clone, env, log);
    steps.set(`${services}: ${label}`, result.steps);
    return result;
  };
  try {
    const a = cloneWorkspace(source, `bench-scale-${services}`);
    folders.push(dirname(a.root));
    const generating = performance.now();
    await addGeneratedServices(a, services - options.existing, log);
    const generateSeconds = (performance.now() - generating) / 1000;
    // A second clone of the same commit, before any run: what a fresh CodeBuild machine checks out.
    const b = options.extras ? cloneWorkspace(a.root, `bench-scale-${services}-fresh`) : undefined;
    if (b) {
      folders.push(dirname(b.root));
      // Its origin is the source, as a's is: a's release tags must not reach it through `git fetch --tags`.
      b.git('remote', 'set-url', 'origin', source);
    }

    const cold = (await run('cold', a.root)).seconds;
    const change = { [`apps/${CHANGED_SERVICE}/src/routes.ts`]: '// bench: one service' };
    commitChange(a.root, a.git, change, `fix(${CHANGED_SERVICE}): bench one-service change`);
    const oneService = (await run('one service', a.root)).seconds;
    const irreducible = options.extras
      ? await irreducibleWork(a.root, CHANGED_SERVICE, env, options.dockerHost, log)
      : undefined;
    commitChange(a.root, a.git, { 'README.md': 'bench: docs only' }, 'docs: bench docs-only change');
    const docsOnly = (await run('docs only', a.root)).seconds;
    let warmFreshClone: SizeFigures['warmFreshClone'];
    if (b) {
      const warm = await run('fresh clone, warm cache', b.root);
      const checks = warm.state<Partial<ChecksState>>('checks', {});
      warmFreshClone = { seconds: warm.seconds, remoteHits: checks.remoteHits ?? 0, tasks: checks.tasks ?? 0 };
    }
    return {
      services,
      generated: services - options.existing,
      generateSeconds,
      cold,
      oneService,
      docsOnly,
      steps,
      irreducible,
      warmFreshClone,
    };
  } finally {
    // The registry, the local gateway and the containers outlive each run: stop them, even after a failure.
    await stopStandins(source, env, log, { engine: false });
    for (const folder of [...folders, env['GANTRY_STATE_HOME'] as string])
      rmSync(folder, { recursive: true, force: true });
  }
}
