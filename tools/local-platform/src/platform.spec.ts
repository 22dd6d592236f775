import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { waitUntil } from '@gantry/process';
import { loadCatalog } from '@gantry/service-catalog';
import { startPlatform, type RunningPlatform } from './platform';

const workspaceRoot = resolve(__dirname, '../../..');
const STOP_GRACE_MS = 5_000;
// Services start in parallel but share the CPU, so starting takes longer the more there are; stopping is bounded
// by the grace period whatever their number.
const START_TIMEOUT_MS = 30_000 + 2_000 * loadCatalog(workspaceRoot).length;
const STOP_TIMEOUT_MS = STOP_GRACE_MS + 10_000;

/** A workspace whose services are the given one-file bundles, each with a catalog entry. */
function workspaceWith(services: Record<string, string>): string {
  const workspace = mkdtempSync(join(tmpdir(), 'gantry-platform-'));
  let index = 0;
  for (const [name, source] of Object.entries(services)) {
    index += 1;
    mkdirSync(join(workspace, 'apps', name, 'dist'), { recursive: true });
    writeFileSync(join(workspace, 'apps', name, 'dist/main.js'), source);
    writeFileSync(
      join(workspace, 'apps', name, 'service.json'),
      JSON.stringify({
        name,
        prefix: `/${name}`,
        port: 24_000 + index,
        metricsPort: 24_100 + index,
        healthPath: `/${name}/ready`,
        cpu: 256,
        memory: 512,
        minTasks: 1,
        maxTasks: 1,
        priority: index,
        env: {},
        secrets: {},
      }),
    );
  }
  return workspace;
}

// Runs the real bundles (the test target depends on every service's build) behind the real gateway.
describe('the local platform', () => {
  const lines: string[] = [];
  let platform: RunningPlatform;

  beforeAll(async () => {
    platform = await startPlatform({
      workspaceRoot,
      gatewayPort: 0,
      portOffset: 20_000,
      stopGraceMs: STOP_GRACE_MS,
      env: { PATH: process.env['PATH'], LOG_LEVEL: 'info' },
      onLine: (service, line) => lines.push(`${service} ${line}`),
    });
  }, START_TIMEOUT_MS);
  let stopped = false;
  afterAll(() => (stopped ? undefined : platform?.stop()), STOP_TIMEOUT_MS);

  it('routes /hello to the hello service', async () => {
    const response = await fetch(`${platform.gatewayUrl}/hello`);

    expect(response.status).toBe(200);
    expect(await response.text()).toBe('Hello from CI/CD!');
  });

  it('keeps the query string and the prefix when it forwards', async () => {
    const response = await fetch(`${platform.gatewayUrl}/hello/greet?name=Grace`);

    expect(await response.json()).toEqual({ greeting: 'Hello, Grace!' });
  });

  it('routes /catalog/* to catalog', async () => {
    const response = await fetch(`${platform.gatewayUrl}/catalog/products/sku-003`);

    expect(response.status).toBe(200);
    expect(((await response.json()) as { name: string }).name).toBe('Screwdriver set');
  });

  it('prices a quote through pricing, which calls catalog', async () => {
    const response = await fetch(`${platform.gatewayUrl}/pricing/quotes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'trace-quote-1' },
      body: JSON.stringify({ items: [{ productId: 'sku-003', quantity: 3 }] }),
    });

    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('trace-quote-1');
    expect(((await response.json()) as { totalCents: number }).totalCents).toBe(3 * 2450);
    // The request id crossed from pricing into catalog's logs.
    expect(lines.some((line) => line.startsWith('catalog ') && line.includes('"reqId":"trace-quote-1"'))).toBe(true);
  });

  it('passes bad input through to the service, which rejects it', async () => {
    const response = await fetch(`${platform.gatewayUrl}/pricing/quotes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"items": [',
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: "Body is not valid JSON but content-type is set to 'application/json'",
    });
  });

  it("gives a large body that curl sends with Expect: 100-continue the service's own 413", async () => {
    const body = join(mkdtempSync(join(tmpdir(), 'gantry-body-')), 'quote.json');
    writeFileSync(body, JSON.stringify({ items: [], padding: 'x'.repeat(2 * 1024 * 1024) }));

    const { stdout, stderr } = await promisify(execFile)('curl', [
      '--silent',
      '--show-error',
      '--verbose',
      '--header',
      'content-type: application/json',
      '--data-binary',
      `@${body}`,
      '--write-out',
      '\n%{http_code}',
      `${platform.gatewayUrl}/pricing/quotes`,
    ]);

    expect(stderr).toContain('> Expect: 100-continue');
    expect(stderr).toContain('< HTTP/1.1 100 Continue');
    const [answer, status] = stdout.split('\n');
    expect(status).toBe('413');
    expect(JSON.parse(answer)).toEqual({
      statusCode: 413,
      error: 'Payload Too Large',
      message: 'Request body is too large',
    });
  });

  it.each(['/', '/nope', '/hellox', '/Hello', '/metrics'])(
    'answers %s with the fixed JSON 404 of the default rule',
    async (path) => {
      const response = await fetch(`${platform.gatewayUrl}${path}`);

      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await response.json()).toEqual({
        statusCode: 404,
        error: 'Not Found',
        message: 'No service is routed at this path',
      });
    },
  );

  it('lists every service with its live health and version at /_gantry', async () => {
    const page = await (await fetch(`${platform.gatewayUrl}/_gantry`)).text();

    for (const { name } of loadCatalog(workspaceRoot)) {
      expect(page).toMatch(new RegExp(`<tr><td>${name}</td>.*<td class="ok">ok</td><td>\\d+\\.\\d+\\.\\d+</td>`));
    }
  });

  it('labels every log line with the service that wrote it', () => {
    expect(lines.some((line) => /^hello \{.*"service":"hello"/.test(line))).toBe(true);
    expect(lines.some((line) => /^pricing \{.*"service":"pricing"/.test(line))).toBe(true);
  });

  // Last: it takes the platform down.
  it(
    'stops the gateway and every service process',
    async () => {
      await platform.stop();
      stopped = true;

      for (const url of [platform.gatewayUrl, ...platform.routes.map((route) => route.url)]) {
        await expect(fetch(url)).rejects.toThrow();
      }
      expect(lines.filter((line) => line.includes('"msg":"shutdown complete"'))).toHaveLength(platform.entries.length);
    },
    STOP_TIMEOUT_MS,
  );
});

describe('a service that fails to start', () => {
  it('is reported by name with its own error, and the others are stopped', async () => {
    const root = workspaceWith({
      broken: "console.error('broken: invalid configuration: DB_URL must be a URL (it is not set)'); process.exit(78);",
      sleeper:
        "require('http').createServer((q, s) => s.end()).listen(process.env.PORT); process.on('SIGTERM', () => { require('fs').writeFileSync(__dirname + '/stopped', 'y'); process.exit(0); });",
    });

    await expect(startPlatform({ workspaceRoot: root, gatewayPort: 0, readyTimeoutMs: 3_000 })).rejects.toThrow(
      'service "broken" failed to start (exit code 78): broken: invalid configuration: DB_URL must be a URL (it is not set)',
    );
    expect(require('node:fs').existsSync(join(root, 'apps/sleeper/dist/stopped'))).toBe(true);
  });

  it('lists a missing bundle and a missing secret before starting anything', async () => {
    const root = workspaceWith({ lonely: '' });
    require('node:fs').rmSync(join(root, 'apps/lonely/dist/main.js'));
    const file = join(root, 'apps/lonely/service.json');
    const entry = JSON.parse(require('node:fs').readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...entry, secrets: { API_TOKEN: { ssmParameter: '/gantry/lonely/token' } } }));

    await expect(startPlatform({ workspaceRoot: root, gatewayPort: 0, env: {} })).rejects.toThrow(
      /lonely: .*apps\/lonely\/dist\/main\.js is missing; build it with `npx nx run-many -t build`\n {2}- lonely: secret API_TOKEN is not set/,
    );
  });
});

describe('a running service that exits, drains or will not stop', () => {
  const http = "const http = require('http');";
  const answering = (name: string) =>
    `${http} http.createServer((q, s) => { if (q.url === '/${name}/exit') process.exit(3); s.end('${name} here'); }).listen(process.env.PORT, '127.0.0.1');`;
  let platform: RunningPlatform | undefined;
  afterEach(() => platform?.stop(), STOP_TIMEOUT_MS);

  const NO_READY_INSTANCE = {
    statusCode: 503,
    error: 'Service Unavailable',
    message: 'The service routed at this path has no ready instance',
  };

  it('answers 503 for a service whose process exited, and shows it as down at /_gantry', async () => {
    platform = await startPlatform({ workspaceRoot: workspaceWith({ crashy: answering('crashy') }), gatewayPort: 0 });
    expect(await (await fetch(`${platform.gatewayUrl}/crashy`)).text()).toBe('crashy here');

    // POST is not retried: this request dies with the process and gets a 502.
    await fetch(`${platform.gatewayUrl}/crashy/exit`, { method: 'POST' });
    const after = await waitUntil(
      async () => {
        const response = await fetch(`${platform?.gatewayUrl}/crashy`);
        return response.status === 503 ? response : undefined;
      },
      { timeoutMs: 3_000 },
    );

    expect(await after?.json()).toEqual(NO_READY_INSTANCE);
    const page = await fetch(`${platform.gatewayUrl}/_gantry`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<td class="bad">down (exited with code 3)</td>');
  });

  it('answers 503 for a service while it drains on stop, and shows it as draining at /_gantry', async () => {
    platform = await startPlatform({
      workspaceRoot: workspaceWith({
        slow: `${answering('slow')} process.on('SIGTERM', () => setTimeout(() => process.exit(0), 1500));`,
      }),
      gatewayPort: 0,
    });

    const stopping = platform.stop();
    const during = await fetch(`${platform.gatewayUrl}/slow`);
    const page = await fetch(`${platform.gatewayUrl}/_gantry`);
    await stopping;

    expect(during.status).toBe(503);
    expect(await during.json()).toEqual(NO_READY_INSTANCE);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<td class="warn">draining</td>');
  });

  it('stops a service that ignores SIGTERM within the grace period, by killing it', async () => {
    platform = await startPlatform({
      workspaceRoot: workspaceWith({ stubborn: `${answering('stubborn')} process.on('SIGTERM', () => undefined);` }),
      gatewayPort: 0,
      stopGraceMs: 500,
    });
    const started = Date.now();

    await platform.stop();

    expect(Date.now() - started).toBeLessThan(3_000);
    await expect(fetch(platform.routes[0].url)).rejects.toThrow();
  });

  it('stops within the grace period while a client is still halfway through sending a body', async () => {
    platform = await startPlatform({
      workspaceRoot: workspaceWith({ upload: answering('upload') }),
      gatewayPort: 0,
      stopGraceMs: 500,
    });
    const client = connect(Number(new URL(platform.gatewayUrl).port), '127.0.0.1');
    client.on('error', () => undefined);
    client.write('POST /upload HTTP/1.1\r\nhost: localhost\r\ncontent-length: 1000\r\n\r\nonly ten b');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();

    await platform.stop();

    expect(Date.now() - started).toBeLessThan(3_000);
    client.destroy();
  });
});

describe('a database service across a restart of the platform', () => {
  // Its own data folder and ports, so that it never meets a developer's `npm start` or the suite above.
  const dataDir = mkdtempSync(join(tmpdir(), 'gantry-platform-data-'));
  const start = () =>
    startPlatform({
      workspaceRoot,
      gatewayPort: 0,
      portOffset: 21_000,
      dataDir,
      stopGraceMs: STOP_GRACE_MS,
      env: { PATH: process.env['PATH'], LOG_LEVEL: 'warn' },
    });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it(
    'keeps an order placed before the platform stopped: POST, stop, start again, GET returns it',
    async () => {
      const first = await start();
      const placed = await fetch(`${first.gatewayUrl}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ items: [{ productId: 'sku-003', quantity: 1 }] }),
      });
      const order = (await placed.json()) as { id: string };
      await first.stop();

      const second = await start();
      try {
        const read = await fetch(`${second.gatewayUrl}/orders/${order.id}`);

        expect(placed.status).toBe(201);
        expect(read.status).toBe(200);
        expect(await read.json()).toEqual(order);
      } finally {
        await second.stop();
      }
    },
    2 * (START_TIMEOUT_MS + STOP_TIMEOUT_MS),
  );
});
