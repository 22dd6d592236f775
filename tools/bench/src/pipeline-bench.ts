import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultLayout, engineAnswers } from '@gantry/docker-engine';
import { runLocalPipeline } from '@gantry/pipeline';
import { cloneWorkspace, commitChange } from '@gantry/release/testing';

export interface PipelineFigures {
  cold: number;
  warmFreshClone: number;
  oneService: number;
  everything: number;
  remoteHits: string;
}

/**
 * Pipeline wall times, side by side in one run, on temporary clones of `root` with stand-ins. Each clone
 * pushes its releases to its own bare repository (.gantry/origin.git), the local pipeline's default.
 * Undefined (with the reason logged) when no Docker engine answers.
 */
export async function pipelineFigures(root: string, log: (line: string) => void): Promise<PipelineFigures | undefined> {
  const engine = defaultLayout(process.env, root);
  if (!(await engineAnswers(engine.host))) {
    log('pipeline figures skipped: no Docker engine (run `npm run docker:engine -- start` first)');
    return undefined;
  }
  const env = { ...process.env, GANTRY_STATE_HOME: mkdtempSync(join(tmpdir(), 'gantry-bench-state-')), GANTRY_DOCKER_HOME: engine.home, GANTRY_REGISTRY_PORT: '15999', GANTRY_CHECKS_EXCLUDE: '@gantry/release,infra,@gantry/pipeline,@gantry/images,@gantry/remote-cache,@gantry/containers,@gantry/docker-engine,@gantry/local-platform,@gantry/workspace,@gantry/bench' };
  const timed = async (label: string, clone: string) => {
    const started = performance.now();
    // Each clone gets its own Nx local cache, as a fresh CodeBuild machine would.
    const code = await runLocalPipeline(clone, { ...env, NX_CACHE_DIRECTORY: join(clone, '.nx/cache') }, () => undefined);
    const seconds = (performance.now() - started) / 1000;
    if (code !== 0) throw new Error(`pipeline run "${label}" failed`);
    log(`pipeline ${label}: ${seconds.toFixed(1)} s`);
    return seconds;
  };
  const a = cloneWorkspace(root, 'bench-a');
  const cold = await timed('cold, first run', a.root);
  const b = cloneWorkspace(root, 'bench-b');
  const warmFreshClone = await timed('fresh clone, warm remote cache', b.root);
  const checks = JSON.parse(readFileSync(join(b.root, 'dist/pipeline/checks.json'), 'utf8')) as { tasks: number; remoteHits: number };
  commitChange(a.root, a.git, { 'apps/hello/src/routes.ts': '// bench: hello only' }, 'fix(hello): bench');
  const oneService = await timed('one-service change (hello)', a.root);
  commitChange(a.root, a.git, { 'libs/service-kit/src/errors.ts': '// bench: everything' }, 'fix(kit): bench');
  const everything = await timed('everything change (service kit)', a.root);
  return { cold, warmFreshClone, oneService, everything, remoteHits: `${checks.remoteHits}/${checks.tasks}` };
}
