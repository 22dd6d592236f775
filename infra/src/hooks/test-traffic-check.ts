import { TEST_TRAFFIC_HEADER } from '@gantry/service-catalog';
import { checkService, type SmokeTarget } from '@gantry/smoke-checks';

/** What an ECS lifecycle hook answers: SUCCEEDED lets the deployment go on, FAILED rolls it back. */
export interface HookResponse {
  readonly hookStatus: 'SUCCEEDED' | 'FAILED';
}

/** The part of ECS's lifecycle hook payload the check logs; ECS sends more. */
export interface LifecycleHookEvent {
  readonly lifecycleStage?: string;
  readonly executionDetails?: { readonly targetServiceRevisionArn?: string };
}

/** One service's check before production traffic: its new version must answer through the test route. */
export interface TestTrafficCheck {
  /** The shared ALB's base URL; the test listener rule routes `TEST_TRAFFIC_HEADER: 1` to the new tasks. */
  readonly platformUrl: string;
  /** Service, prefix, and the version the new tasks must report. */
  readonly target: SmokeTarget;
  /** How long to keep trying before answering FAILED. */
  readonly windowSeconds: number;
  /** Pause between tries. */
  readonly pauseSeconds: number;
}

/** The hook function's environment variables; the construct sets them and the handler reads them. */
export const HOOK_ENV = {
  platformUrl: 'GANTRY_PLATFORM_URL',
  service: 'GANTRY_SERVICE',
  prefix: 'GANTRY_PREFIX',
  version: 'GANTRY_EXPECTED_VERSION',
  windowSeconds: 'GANTRY_CHECK_WINDOW_SECONDS',
  pauseSeconds: 'GANTRY_CHECK_PAUSE_SECONDS',
} as const;

/** The environment that configures the hook function for `check`. */
export function hookEnvironment(check: TestTrafficCheck): Record<string, string> {
  return {
    [HOOK_ENV.platformUrl]: check.platformUrl,
    [HOOK_ENV.service]: check.target.service,
    [HOOK_ENV.prefix]: check.target.prefix,
    [HOOK_ENV.version]: check.target.version,
    [HOOK_ENV.windowSeconds]: String(check.windowSeconds),
    [HOOK_ENV.pauseSeconds]: String(check.pauseSeconds),
  };
}

/** Reads the check from the hook function's environment, throwing one message naming every bad variable. */
export function checkFromEnvironment(env: Record<string, string | undefined>): TestTrafficCheck {
  const problems: string[] = [];
  const text = (name: string): string => {
    const value = env[name];
    if (!value) problems.push(`${name} is not set`);
    return value ?? '';
  };
  const seconds = (name: string): number => {
    const value = Number(text(name));
    if (env[name] && !(Number.isFinite(value) && value >= 0))
      problems.push(`${name} must be seconds, got "${env[name]}"`);
    return value;
  };
  const check: TestTrafficCheck = {
    platformUrl: text(HOOK_ENV.platformUrl).replace(/\/+$/, ''),
    target: { service: text(HOOK_ENV.service), prefix: text(HOOK_ENV.prefix), version: text(HOOK_ENV.version) },
    windowSeconds: seconds(HOOK_ENV.windowSeconds),
    pauseSeconds: seconds(HOOK_ENV.pauseSeconds),
  };
  if (problems.length > 0) throw new Error(`test traffic check: ${problems.join('; ')}`);
  return check;
}

export interface CheckOptions {
  readonly log?: (line: string) => void;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

/**
 * Runs `checkService` through the test route until it passes (SUCCEEDED) or the window closes (FAILED).
 * One invocation retries by itself: a Lambda hook may run up to 15 minutes, so a bounded window needs no state
 * carried between invocations (ECS's IN_PROGRESS and hookDetails), and a check that throws or times out still
 * rolls the deployment back, since ECS treats a failed invocation as FAILED.
 */
export async function runTestTrafficCheck(check: TestTrafficCheck, options: CheckOptions = {}): Promise<HookResponse> {
  const log = options.log ?? ((line: string) => console.log(line));
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const { service, version } = check.target;
  const deadline = now() + check.windowSeconds * 1000;
  for (let attempt = 1; ; attempt++) {
    const problem = await checkService(check.platformUrl, check.target, { [TEST_TRAFFIC_HEADER]: '1' });
    if (problem === null) {
      log(`${service} ${version}: passed through the test route on attempt ${attempt}: SUCCEEDED`);
      return { hookStatus: 'SUCCEEDED' };
    }
    log(`${service} ${version}: attempt ${attempt}: ${problem}`);
    if (now() + check.pauseSeconds * 1000 > deadline) {
      log(`${service} ${version}: still failing after ${check.windowSeconds} s: FAILED, so ECS rolls back`);
      return { hookStatus: 'FAILED' };
    }
    await sleep(check.pauseSeconds * 1000);
  }
}

/** The hook: checks the release named in `env` through the test route. */
export async function handleLifecycleHook(
  event: LifecycleHookEvent,
  env: Record<string, string | undefined>,
  options: CheckOptions = {},
): Promise<HookResponse> {
  const check = checkFromEnvironment(env);
  const log = options.log ?? ((line: string) => console.log(line));
  log(
    `${event.lifecycleStage ?? 'unknown stage'} of ${event.executionDetails?.targetServiceRevisionArn ?? 'an unnamed revision'}: ` +
      `checking ${check.target.service} ${check.target.version} at ${check.platformUrl}${check.target.prefix} with ${TEST_TRAFFIC_HEADER}: 1`,
  );
  return runTestTrafficCheck(check, { ...options, log });
}
