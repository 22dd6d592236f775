import { spawn, type ChildProcess } from 'node:child_process';
import net, { type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Type } from '@sinclair/typebox';
import { ConfigError, urlVar } from './config';
import { loadServiceConfig, serviceConfigSchema } from './run';
import type { ServiceDefinition } from './service';
import { demo, KeepAliveClient, send, type SentResponse } from './test-fixture';

const SCRIPT = join(__dirname, '__fixtures__', 'run-demo.ts');
const PROJECT_ROOT = join(__dirname, '..');

describe('serviceConfigSchema and loadServiceConfig', () => {
  const withUpstream: ServiceDefinition = {
    ...demo,
    config: Type.Object({ CATALOG_URL: urlVar(), CATALOG_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 2000 }) }),
  };

  it("merges the kit's variables with the service's own", () => {
    expect(Object.keys(serviceConfigSchema(withUpstream).properties)).toEqual([
      'HOST',
      'PORT',
      'METRICS_PORT',
      'LOG_LEVEL',
      'BODY_LIMIT_BYTES',
      'SHUTDOWN_DELAY_MS',
      'DRAIN_TIMEOUT_MS',
      'MAX_EVENT_LOOP_DELAY_MS',
      'GANTRY_COMMIT',
      'GANTRY_BUILT_AT',
      'CATALOG_URL',
      'CATALOG_TIMEOUT_MS',
    ]);
  });

  it('takes the port defaults from the catalog entry', () => {
    const config = loadServiceConfig(demo, {});

    expect(config.PORT).toBe(3999);
    expect(config.METRICS_PORT).toBe(9999);
  });

  it("loads the service's own variables with the kit's", () => {
    const config = loadServiceConfig(withUpstream, { CATALOG_URL: 'http://catalog:3001', PORT: '4000' });

    expect(config).toMatchObject({ CATALOG_URL: 'http://catalog:3001', CATALOG_TIMEOUT_MS: 2000, PORT: 4000 });
  });

  it("names a missing variable of the service's own together with a bad kit variable", () => {
    expect(() => loadServiceConfig(withUpstream, { PORT: 'abc' })).toThrow(
      new ConfigError(
        'invalid configuration: CATALOG_URL must be an http:// or https:// URL (it is not set); ' +
          'PORT must be an integer from 1 to 65535 (got "abc")',
      ),
    );
  });
});

// ---- The real entry point, in a child process ----

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Child {
  process: ChildProcess;
  stdoutLines: string[];
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitForLine: (
    match: (record: Record<string, unknown>) => boolean,
    timeoutMs: number,
  ) => Promise<Record<string, unknown>>;
}

function startDemo(env: Record<string, string>): Child {
  const child = spawn(process.execPath, ['--conditions=@gantry/source', '--import', 'tsx', SCRIPT], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdoutLines: string[] = [];
  let partial = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    stdoutLines.push(...parts);
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const waitForLine = async (match: (record: Record<string, unknown>) => boolean, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      for (const line of stdoutLines) {
        try {
          const record = JSON.parse(line) as Record<string, unknown>;
          if (match(record)) return record;
        } catch {
          // not JSON; the test asserting JSON lines reports it
        }
      }
      await sleep(10);
    }
    throw new Error(
      `no matching log line within ${timeoutMs} ms; stdout so far:\n${stdoutLines.join('\n')}\nstderr:\n${stderr}`,
    );
  };
  return { process: child, stdoutLines, stderr: () => stderr, exited, waitForLine };
}

async function waitUntilReady(url: string, timeoutMs: number): Promise<SentResponse> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const response = await send(url);
      if (response.status === 200) return response;
      last = response.status;
    } catch (error) {
      last = error;
    }
    await sleep(25);
  }
  throw new Error(`${url} not ready within ${timeoutMs} ms (last: ${String(last)})`);
}

describe('runService in a real process', () => {
  const children: ChildProcess[] = [];
  // The short-lived child starts up front so its start-up overlaps with the long test.
  let badConfig: Child;

  beforeAll(() => {
    badConfig = startDemo({ PORT: 'abc' });
    children.push(badConfig.process);
  });
  afterAll(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  it('prints one stderr line naming PORT and exits 78 on bad config', async () => {
    expect(await badConfig.exited).toEqual({ code: 78, signal: null });
    expect(badConfig.stderr()).toBe(
      'demo: invalid configuration: PORT must be an integer from 1 to 65535 (got "abc")\n',
    );
    expect(badConfig.stdoutLines.filter((line) => line.length > 0)).toEqual([]);
  }, 20_000);

  it('serves, logs JSON lines with request ids, and on SIGTERM finishes a slow request of a keep-alive client with Connection: close and exits 0', async () => {
    const [port, metricsPort] = [await freePort(), await freePort()];
    // At debug the arrival of each request is logged too, which tells when the slow request is in.
    const child = startDemo({
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      SHUTDOWN_DELAY_MS: '200',
      GANTRY_COMMIT: 'cafe123',
      LOG_LEVEL: 'debug',
    });
    children.push(child.process);
    const base = `http://127.0.0.1:${port}`;

    expect(JSON.parse((await waitUntilReady(`${base}/demo/ready`, 15_000)).body)).toEqual({ status: 'ready' });

    const version = await send(`${base}/demo/version`, {
      headers: { 'x-request-id': 'proc-version-1', authorization: 'Bearer s3cret', cookie: 'session=chocolate' },
    });
    expect(JSON.parse(version.body)).toEqual({ name: 'demo', version: '1.2.3', commit: 'cafe123', builtAt: 'unknown' });
    expect(version.headers['x-request-id']).toBe('proc-version-1');

    const metrics = await send(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain(
      'http_request_duration_seconds_count{method="GET",route="/demo/version",status_code="200"} 1\n',
    );

    // A keep-alive client, as the load balancer is: one idle pooled socket, one request spanning SIGTERM.
    const client = new KeepAliveClient();
    await client.get(`${base}/demo/health`);
    const slow = client.get(`${base}/demo/slow?ms=700`, { 'x-request-id': 'proc-slow-1' });
    await child.waitForLine(
      (record) => record['reqId'] === 'proc-slow-1' && record['msg'] === 'incoming request',
      5000,
    );

    child.process.kill('SIGTERM');

    const slowResponse = await slow;
    expect(slowResponse.status).toBe(200);
    expect(JSON.parse(slowResponse.body)).toEqual({ waited: 700 });
    expect(slowResponse.headers.connection).toBe('close');

    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(client.socketErrors).toEqual([]);
    expect(client.idleSockets()).toBe(0);
    client.close();
    expect(child.stderr()).toBe('');

    const lines = child.stdoutLines.filter((line) => line.length > 0);
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const record of records) {
      expect(record).toMatchObject({
        service: 'demo',
        version: '1.2.3',
        level: expect.any(Number),
        msg: expect.any(String),
      });
    }
    // One access line per request at info, carrying the request and the response.
    const accessLines = records.filter((record) => record['msg'] === 'request completed');
    expect(accessLines.length).toBeGreaterThanOrEqual(4);
    for (const record of accessLines) {
      expect(record).toMatchObject({
        reqId: expect.any(String),
        req: { method: 'GET', url: expect.stringMatching(/^\/demo\//) },
        res: { statusCode: expect.any(Number) },
        responseTime: expect.any(Number),
      });
    }
    expect(accessLines.find((record) => record['reqId'] === 'proc-version-1')).toMatchObject({
      level: 30,
      req: { method: 'GET', url: '/demo/version' },
      res: { statusCode: 200 },
    });
    expect(records.filter((record) => record['reqId'] === 'proc-slow-1').map((record) => record['msg'])).toEqual([
      'incoming request',
      'request completed',
    ]);
    // Readiness during the delay window is asserted in shutdown.spec.ts; here the order of events is checked from the logs.
    const messages = records.map(
      (record) => `${String(record['msg'])}${record['reqId'] === 'proc-slow-1' ? ' (slow)' : ''}`,
    );
    const at = (message: string) => messages.indexOf(message);
    expect(at('shutting down: not ready')).toBeGreaterThan(at('incoming request (slow)'));
    expect(at('request completed (slow)')).toBeGreaterThan(at('shutting down: not ready'));
    // The access log is written on the response's 'finish', which can land just after close() resolves.
    expect(at('shutdown complete')).toBeGreaterThan(at('shutting down: not ready'));
    expect(records.find((record) => record['msg'] === 'shutting down: not ready')).toMatchObject({
      signal: 'SIGTERM',
      delayMs: 200,
    });
    expect(lines.join('\n')).not.toContain('s3cret');
    expect(lines.join('\n')).not.toContain('chocolate');
  }, 30_000);
});
