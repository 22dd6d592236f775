import { TEST_TRAFFIC_HEADER } from '@gantry/service-catalog';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  checkFromEnvironment,
  handleLifecycleHook,
  hookEnvironment,
  runTestTrafficCheck,
  type TestTrafficCheck,
} from './test-traffic-check';

/**
 * A real HTTP server standing in for the ALB: requests with the test header reach the "green" tasks (`green`),
 * the rest reach production (`blue`), as the test listener rule does during a deployment.
 */
interface FakeAlb {
  url: string;
  server: Server;
  /** What green answers for /orders/health, per request; the last one repeats. */
  greenHealth: number[];
  greenVersion: string;
  /** Test-header values seen on requests that reached green. */
  seen: string[];
}

async function startAlb(): Promise<FakeAlb> {
  const alb = { greenHealth: [200], greenVersion: '1.3.0', seen: [] as string[] } as FakeAlb;
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  alb.server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const green = req.headers[TEST_TRAFFIC_HEADER] === '1';
    if (green) alb.seen.push(String(req.headers[TEST_TRAFFIC_HEADER]));
    if (req.url === '/orders/health') {
      const status = green ? ((alb.greenHealth.length > 1 ? alb.greenHealth.shift() : alb.greenHealth[0]) ?? 200) : 200;
      return json(res, status, { status: status === 200 ? 'ok' : 'starting' });
    }
    if (req.url === '/orders/version') return json(res, 200, { version: green ? alb.greenVersion : '1.2.0' });
    return json(res, 404, {});
  });
  await new Promise<void>((resolve) => alb.server.listen(0, '127.0.0.1', resolve));
  alb.url = `http://127.0.0.1:${(alb.server.address() as AddressInfo).port}`;
  return alb;
}

const check = (platformUrl: string, overrides: Partial<TestTrafficCheck> = {}): TestTrafficCheck => ({
  platformUrl,
  target: { service: 'orders', prefix: '/orders', version: '1.3.0' },
  windowSeconds: 1,
  pauseSeconds: 0.05,
  ...overrides,
});

describe('runTestTrafficCheck', () => {
  let alb: FakeAlb;
  beforeEach(async () => {
    alb = await startAlb();
  });
  afterEach(() => new Promise<void>((resolve) => alb.server.close(() => resolve())));

  it('answers SUCCEEDED when the new version answers through the test route, while production still runs the old one', async () => {
    // GIVEN green runs 1.3.0 behind the test header and blue still serves 1.2.0 to everyone else
    const lines: string[] = [];

    // WHEN the hook checks 1.3.0
    const response = await runTestTrafficCheck(check(alb.url), { log: (line) => lines.push(line) });

    // THEN it passes on the first try, having sent the test header on both requests
    expect(response).toEqual({ hookStatus: 'SUCCEEDED' });
    expect(alb.seen).toEqual(['1', '1']);
    expect(lines).toEqual(['orders 1.3.0: passed through the test route on attempt 1: SUCCEEDED']);
  });

  it('retries while the new tasks warm up, and answers SUCCEEDED once they pass', async () => {
    // GIVEN green answers 503 twice before it is ready
    alb.greenHealth = [503, 503, 200];
    const lines: string[] = [];

    // WHEN the hook checks it
    const response = await runTestTrafficCheck(check(alb.url), { log: (line) => lines.push(line) });

    // THEN it passes on the third attempt, saying what it saw before
    expect(response).toEqual({ hookStatus: 'SUCCEEDED' });
    expect(lines).toEqual([
      'orders 1.3.0: attempt 1: GET /orders/health answered 503',
      'orders 1.3.0: attempt 2: GET /orders/health answered 503',
      'orders 1.3.0: passed through the test route on attempt 3: SUCCEEDED',
    ]);
  });

  it('answers FAILED, within its window, when the test route never reports the new version', async () => {
    // GIVEN green reports 1.2.9, not the 1.3.0 being deployed
    alb.greenVersion = '1.2.9';
    const lines: string[] = [];
    const started = Date.now();

    // WHEN the hook checks 1.3.0 with a 1 s window
    const response = await runTestTrafficCheck(check(alb.url), { log: (line) => lines.push(line) });

    // THEN it fails (ECS rolls back) after about the window, never longer, naming what it saw
    expect(response).toEqual({ hookStatus: 'FAILED' });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(lines.length).toBeGreaterThan(2);
    expect(lines[0]).toBe('orders 1.3.0: attempt 1: GET /orders/version reports 1.2.9, expected 1.3.0');
    expect(lines[lines.length - 1]).toBe('orders 1.3.0: still failing after 1 s: FAILED, so ECS rolls back');
  });

  it('answers FAILED when the load balancer cannot be reached at all', async () => {
    // GIVEN a URL nothing listens on
    const lines: string[] = [];

    // WHEN the hook checks through it, with a window that allows a single try
    const response = await runTestTrafficCheck(check('http://127.0.0.1:9', { windowSeconds: 0 }), {
      log: (line) => lines.push(line),
    });

    // THEN it fails, saying the request failed
    expect(response).toEqual({ hookStatus: 'FAILED' });
    expect(lines[0]).toMatch(/^orders 1\.3\.0: attempt 1: http:\/\/127\.0\.0\.1:9\/orders: fetch failed/);
  });
});

describe('handleLifecycleHook', () => {
  let alb: FakeAlb;
  beforeAll(async () => {
    alb = await startAlb();
  });
  afterAll(() => new Promise<void>((resolve) => alb.server.close(() => resolve())));

  it('checks the release its environment names, as the construct sets it', async () => {
    // GIVEN the environment the construct gives the function (with a trailing slash on the URL)
    const env = hookEnvironment(check(`${alb.url}/`));
    const lines: string[] = [];

    // WHEN ECS invokes it at POST_TEST_TRAFFIC_SHIFT
    const response = await handleLifecycleHook(
      {
        lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT',
        executionDetails: { targetServiceRevisionArn: 'arn:aws:ecs:eu-west-1:1:service-revision/c/orders/7' },
      },
      env,
      { log: (line) => lines.push(line) },
    );

    // THEN it says what it checks and passes
    expect(response).toEqual({ hookStatus: 'SUCCEEDED' });
    expect(lines[0]).toBe(
      `POST_TEST_TRAFFIC_SHIFT of arn:aws:ecs:eu-west-1:1:service-revision/c/orders/7: checking orders 1.3.0 at ${alb.url}/orders with ${TEST_TRAFFIC_HEADER}: 1`,
    );
  });

  it('throws, naming every bad variable, so a misconfigured hook fails the invocation and ECS rolls back', async () => {
    // GIVEN an environment missing the version, with a window that is not seconds
    const env = {
      ...hookEnvironment(check(alb.url)),
      GANTRY_EXPECTED_VERSION: '',
      GANTRY_CHECK_WINDOW_SECONDS: 'soon',
    };

    // WHEN / THEN the invocation rejects with both problems
    await expect(handleLifecycleHook({}, env)).rejects.toThrow(
      'test traffic check: GANTRY_EXPECTED_VERSION is not set; GANTRY_CHECK_WINDOW_SECONDS must be seconds, got "soon"',
    );
    expect(() => checkFromEnvironment({})).toThrow(/GANTRY_PLATFORM_URL is not set; GANTRY_SERVICE is not set/);
  });
});
