import { defaultEngineLayout, engineAnswers } from '@gantry/docker';
import { cloneWorkspace, commitChange } from '@gantry/process/testing';
import type { ChecksState } from '@gantry/pipeline';
import { runPipelineIn, sandboxEnv, stopStandins, type SandboxRun } from '@gantry/pipeline/testing';

/** Each step's seconds from a pipeline run's summary table (`step  seconds  outcome`), in the order run. */
export function stepSeconds(output: string): Map<string, number> {
  const lines = output.split('\n');
  const start = lines.findIndex((line) => line.trim() === 'pipeline summary');
  const steps = new Map<string, number>();
  if (start === -1) return steps;
  for (const line of lines.slice(start + 1)) {
    const match = /^(\S+)\s+(\d+(?:\.\d+)?)\s+\S+\s*$/.exec(line.trim());
    if (match && match[1] !== 'total') steps.set(match[1], Number(match[2]));
    if (/^total\s/.test(line.trim())) break;
  }
  return steps;
}

/**
 * One pipeline run in `clone`, timed, with a progress line as each step starts; throws with the end of its
 * output when the run fails, so a bench never reports the time of a broken pipeline.
 */
export async function timedPipeline(
  label: string,
  clone: string,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): Promise<SandboxRun & { steps: Map<string, number> }> {
  const run = await runPipelineIn(clone, env, (line) => {
    const step = /^▶ (\S+)/.exec(line.trim())?.[1];
    if (step) log(`pipeline ${label}: ${step}…`);
  });
  if (run.code !== 0)
    throw new Error(`pipeline run "${label}" failed:\n${run.output.split('\n').slice(-20).join('\n')}`);
  log(`pipeline ${label}: ${run.seconds.toFixed(1)} s`);
  return { ...run, steps: stepSeconds(run.output) };
}

export interface PipelineFigures {
  cold: number;
  warmFreshClone: number;
  oneService: number;
  everything: number;
  docsOnly: number;
  remoteHits: string;
  /** Seconds per step of each run, by run label. */
  steps: Map<string, Map<string, number>>;
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
  const steps = new Map<string, Map<string, number>>();
  const timed = async (label: string, clone: string) => {
    const run = await timedPipeline(label, clone, env, log);
    steps.set(label, run.steps);
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
      steps,
      remoteHits: `${checks.remoteHits}/${checks.tasks}`,
    };
  } finally {
    // The registry, the local gateway and what it runs outlive each run: stop them, even after a failure.
    await stopStandins(root, env, log, { engine: false });
  }
}
