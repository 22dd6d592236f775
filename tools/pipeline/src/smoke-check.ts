import { waitUntil } from '@gantry/process';

/** A deployed service to check, and the version it must report. */
export interface SmokeTarget {
  service: string;
  prefix: string;
  version: string;
}

export interface SmokeOptions {
  /** How long to keep trying a service before failing it (a rollout can still be draining old tasks). */
  timeoutMs?: number;
  intervalMs?: number;
  log?: (line: string) => void;
}

async function get(url: string): Promise<{ status: number; body: string }> {
  const response = await fetch(url, {
    signal: AbortSignal.timeout(5_000),
    headers: { 'x-request-id': 'gantry-smoke' },
  });
  return { status: response.status, body: await response.text() };
}

/** One try: health answers 200, and version answers 200 with the expected version. Returns why not, or null. */
async function check(baseUrl: string, target: SmokeTarget): Promise<string | null> {
  try {
    const health = await get(`${baseUrl}${target.prefix}/health`);
    if (health.status !== 200) return `GET ${target.prefix}/health answered ${health.status}`;
    const version = await get(`${baseUrl}${target.prefix}/version`);
    if (version.status !== 200) return `GET ${target.prefix}/version answered ${version.status}`;
    const reported = (JSON.parse(version.body) as { version?: string }).version;
    return reported === target.version
      ? null
      : `GET ${target.prefix}/version reports ${reported}, expected ${target.version}`;
  } catch (error) {
    return `${baseUrl}${target.prefix}: ${(error as Error).message}`;
  }
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
      const passed = await waitUntil(async () => (problem = await check(baseUrl, target)) === null, {
        timeoutMs: options.timeoutMs ?? 120_000,
        intervalMs: options.intervalMs ?? 2_000,
      });
      if (!passed) return `${target.service}: ${problem}`;
      log(`${target.service}: healthy, reports ${target.version}`);
      return null;
    }),
  );
  const failed = failures.filter((failure): failure is string => failure !== null);
  if (failed.length) throw new Error(`smoke test through ${baseUrl} failed:\n  ${failed.join('\n  ')}`);
}
