import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultEngineLayout } from '@gantry/docker';
import { runLocalPipeline } from './run-local';

/** Projects whose own suites run in `npm test`: inside a pipeline test clone they would only add minutes. */
export const TOOL_SUITES = 'tag:type:tool,infra';

/**
 * The environment for `npm run pipeline` on temporary clones of `source`: their own state home (registry,
 * S3 objects, the SSM files, the local environment), the engine `npm run docker:engine -- start` runs for
 * `source`, a registry port and a local gateway port 1000 above it, and checks without the tool suites.
 */
export function sandboxEnv(source: string, registryPort: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GANTRY_STATE_HOME: mkdtempSync(join(tmpdir(), 'gantry-pipeline-state-')),
    GANTRY_DOCKER_HOME: defaultEngineLayout(process.env, source).home,
    GANTRY_REGISTRY_PORT: String(registryPort),
    GANTRY_LOCAL_ALB_PORT: String(registryPort + 1000),
    GANTRY_CHECKS_EXCLUDE: TOOL_SUITES,
  };
}

export interface SandboxRun {
  code: number;
  output: string;
  seconds: number;
  /** A step's state file from dist/pipeline, or `fallback` when the step did not write one. */
  state<T>(step: string, fallback: T): T;
}

/**
 * Runs the local pipeline in a clone, timed, with its own Nx local cache as a fresh CodeBuild machine has.
 * `onLine` sees each output line as it comes, for progress on a long run.
 */
export async function runPipelineIn(
  clone: string,
  env: NodeJS.ProcessEnv,
  onLine: (line: string) => void = () => undefined,
): Promise<SandboxRun> {
  const lines: string[] = [];
  const started = performance.now();
  // Nx 23 shares its local cache between checkouts of one repository (~/.nx/<workspace id>): only the remote cache may be shared.
  const code = await runLocalPipeline(clone, { ...env, NX_CACHE_DIRECTORY: join(clone, '.nx/cache') }, (line) => {
    lines.push(line);
    onLine(line);
  });
  return {
    code,
    output: lines.join('\n'),
    seconds: (performance.now() - started) / 1000,
    state: <T>(step: string, fallback: T): T => {
      try {
        return JSON.parse(readFileSync(join(clone, 'dist/pipeline', `${step}.json`), 'utf8')) as T;
      } catch {
        return fallback;
      }
    },
  };
}
export { stopStandins } from './local-standins';
