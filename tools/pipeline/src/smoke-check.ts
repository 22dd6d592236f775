import { waitUntil } from '@gantry/process';
import { checkService, type SmokeTarget } from '@gantry/smoke-checks';

export type { SmokeTarget } from '@gantry/smoke-checks';

export interface SmokeOptions {
  /** How long to keep trying a service before failing it (a rollout can still be draining old tasks). */
  timeoutMs?: number;
  intervalMs?: number;
  /** Headers that pick the route, e.g. the test route of a blue/green deploy. */
  headers?: Record<string, string>;
  log?: (line: string) => void;
}

/**
 * Smoke-tests each deployed service through the load balancer: `/<name>/health` and `/<name>/version`.
 * Retries until the timeout, then throws one line per service that never passed.
 */
export async function smokeTest(
  baseUrl: string,
  targets: readonly SmokeTarget[],
  options: SmokeOptions = {},
): Promise<void> {
  const log = options.log ?? (() => undefined);
  const failures = await Promise.all(
    targets.map(async (target) => {
      let problem: string | null = null;
      const passed = await waitUntil(
        async () => (problem = await checkService(baseUrl, target, options.headers)) === null,
        {
          timeoutMs: options.timeoutMs ?? 120_000,
          intervalMs: options.intervalMs ?? 2_000,
        },
      );
      if (!passed) return `${target.service}: ${problem}`;
      log(`${target.service}: healthy, reports ${target.version}`);
      return null;
    }),
  );
  const failed = failures.filter((failure): failure is string => failure !== null);
  if (failed.length) throw new Error(`smoke test through ${baseUrl} failed:\n  ${failed.join('\n  ')}`);
}
