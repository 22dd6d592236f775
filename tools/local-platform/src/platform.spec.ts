import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startPlatform, type RunningPlatform } from './platform';

// Runs the real bundles (the test target depends on every service's build) behind the real gateway.
describe('the local platform', () => {
  const lines: string[] = [];
  let platform: RunningPlatform;

  beforeAll(async () => {
    platform = await startPlatform({
      workspaceRoot: resolve(__dirname, '../../..'),
      gatewayPort: 0,
      portOffset: 20_000,
      env: { PATH: process.env['PATH'], LOG_LEVEL: 'info' },
      onLine: (service, line) => lines.push(`${service} ${line}`),
    });
  }, 60_000);
  let stopped = false;
  afterAll(() => (stopped ? undefined : platform?.stop()));

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

    for (const name of ['hello', 'catalog', 'pricing']) {
      expect(page).toMatch(new RegExp(`<tr><td>${name}</td>.*<td class="ok">ok</td><td>\\d+\\.\\d+\\.\\d+</td>`));
    }
  });

  it('labels every log line with the service that wrote it', () => {
    expect(lines.some((line) => /^hello \{.*"service":"hello"/.test(line))).toBe(true);
    expect(lines.some((line) => /^pricing \{.*"service":"pricing"/.test(line))).toBe(true);
  });

  // Last: it takes the platform down.
  it('stops the gateway and every service process', async () => {
    await platform.stop();
    stopped = true;

    for (const url of [platform.gatewayUrl, ...platform.routes.map((route) => route.url)]) {
      await expect(fetch(url)).rejects.toThrow();
    }
    expect(lines.filter((line) => line.includes('"msg":"shutdown complete"'))).toHaveLength(3);
  });
});

describe('a service that fails to start', () => {
  function workspaceWith(services: Record<string, string>): string {
    const root = mkdtempSync(join(tmpdir(), 'gantry-platform-'));
    let index = 0;
    for (const [name, source] of Object.entries(services)) {
      index += 1;
      mkdirSync(join(root, 'apps', name, 'dist'), { recursive: true });
      writeFileSync(join(root, 'apps', name, 'dist/main.js'), source);
      writeFileSync(
        join(root, 'apps', name, 'service.json'),
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
    return root;
  }

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
