import { defaultEngineLayout, engineAnswers } from '@gantry/docker';
import { cloneWorkspace, commitChange } from '@gantry/process/testing';
import type { ChecksState } from '@gantry/pipeline';
import { runPipelineIn, sandboxEnv, stopStandins } from '@gantry/pipeline/testing';

export interface PipelineFigures {
  cold: number;
  warmFreshClone: number;
  oneService: number;
  everything: number;
  docsOnly: number;
  remoteHits: string;
}

/**
 * Pipeline wall times, side by side in one run, on temporary clones of `root` with stand-ins. Each clone
 * pushes its releases to its own bare repository (.gantry/origin.git), the local pipeline's default.
 * Undefined (with the reason logged) when no Docker engine answers.
 */
export async function pipelineFigures(root: string, log: (line: string) => void): Promise<PipelineFigures | undefined> {
  if (!(await engineAnswers(defaultEngineLayout(process.env, root).host))) {
    log('pipeline figures skipped: no Docker engine (run `npm run docker:engine -- start` first)');
    return undefined;
  }
  const env = sandboxEnv(root, 15_999);
  const timed = async (label: string, clone: string) => {
    const run = await runPipelineIn(clone, env);
    if (run.code !== 0)
      throw new Error(`pipeline run "${label}" failed:\n${run.output.split('\n').slice(-20).join('\n')}`);
    log(`pipeline ${label}: ${run.seconds.toFixed(1)} s`);
    return run;
  };
  try {
    const a = cloneWorkspace(root, 'bench-a');
    const cold = (await timed('cold, first run', a.root)).seconds;
    const b = cloneWorkspace(root, 'bench-b');
    const warm = await timed('fresh clone, warm remote cache', b.root);
    const checks = warm.state<Partial<ChecksState>>('checks', {});
    commitChange(a.root, a.git, { 'apps/hello/src/routes.ts': '// bench: hello only' }, 'fix(hello): bench');
    const oneService = (await timed('one-service change (hello)', a.root)).seconds;
    commitChange(a.root, a.git, { 'libs/service-kit/src/errors.ts': '// bench: everything' }, 'fix(kit): bench');
    const everything = (await timed('everything change (service kit)', a.root)).seconds;
    commitChange(a.root, a.git, { 'README.md': 'bench: docs only' }, 'docs: bench');
    const docsOnly = (await timed('docs-only change', a.root)).seconds;
    return {
      cold,
      warmFreshClone: warm.seconds,
      oneService,
      everything,
      docsOnly,
      remoteHits: `${checks.remoteHits}/${checks.tasks}`,
    };
  } finally {
    // The registry, the local gateway and what it runs outlive each run: stop them, even after a failure.
    await stopStandins(root, env, log, { engine: false });
  }
}
