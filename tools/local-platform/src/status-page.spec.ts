import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '@gantry/process';
import { renderStatusPage, statusOf } from './status-page';

const VERSION = { name: 'api', version: '1.4.2', commit: '0123456789abcdef', builtAt: '2025-01-01T00:00:00Z' };

/** A service on loopback that answers each path with a fixed status and JSON body. */
async function serviceAnswering(answers: Record<string, [number, unknown]>): Promise<{ url: string; asked: string[] }> {
  const asked: string[] = [];
  const server = createServer((req, res) => {
    asked.push(req.url ?? '');
    const [status, body] = answers[req.url ?? ''] ?? [404, {}];
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, asked };
}

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

describe('a status row', () => {
  it('shows a ready service as ok, with its version and commit', async () => {
    const { url } = await serviceAnswering({
      '/api/ready': [200, { status: 'ready' }],
      '/api/version': [200, VERSION],
    });

    const row = await statusOf({ name: 'api', prefix: '/api', url });

    expect(row).toEqual({
      name: 'api',
      prefix: '/api',
      url,
      health: 'ok',
      version: '1.4.2',
      commit: '0123456789abcdef',
    });
  });

  it('shows a service whose readiness says it is draining as draining, with its version', async () => {
    const { url } = await serviceAnswering({
      '/api/ready': [503, { status: 'draining' }],
      '/api/version': [200, VERSION],
    });

    const row = await statusOf({ name: 'api', prefix: '/api', url });

    expect(row).toMatchObject({ health: 'draining', version: '1.4.2' });
  });

  it('shows a closing service, which answers 503 without a status to everything, as down', async () => {
    const closing = [503, { error: 'Service Unavailable', message: 'Service Unavailable', statusCode: 503 }] as [
      number,
      unknown,
    ];
    const { url } = await serviceAnswering({ '/api/ready': closing, '/api/version': closing });

    const row = await statusOf({ name: 'api', prefix: '/api', url });

    expect(row).toMatchObject({ health: 'down (HTTP 503)', version: '?', commit: '?' });
  });

  it('shows a service that does not listen as down, saying why', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;

    const row = await statusOf({ name: 'api', prefix: '/api', url });

    expect(row).toMatchObject({ health: 'down (ECONNREFUSED)', version: '?', commit: '?' });
  });

  it('shows a service the platform is stopping as draining, whatever it still answers', async () => {
    const { url } = await serviceAnswering({
      '/api/ready': [200, { status: 'ready' }],
      '/api/version': [200, VERSION],
    });

    const row = await statusOf({ name: 'api', prefix: '/api', url }, 'draining');

    expect(row).toMatchObject({ health: 'draining', version: '1.4.2' });
  });

  it('shows an exited process as down with its exit code, without asking it anything', async () => {
    const service = await serviceAnswering({});

    const row = await statusOf({ name: 'api', prefix: '/api', url: service.url }, 'exited', 3);

    expect(row).toMatchObject({ health: 'down (exited with code 3)', version: '?', commit: '?' });
    expect(service.asked).toEqual([]);
  });
});

describe('the status page', () => {
  it('marks ok green, starting and draining amber, and down red', () => {
    const row = { name: 'api', prefix: '/api', url: 'http://127.0.0.1:1', version: '?', commit: '?' };

    const page = renderStatusPage([
      { ...row, health: 'ok' },
      { ...row, health: 'draining' },
      { ...row, health: 'down (ECONNREFUSED)' },
    ]);

    expect(page).toContain('<td class="ok">ok</td>');
    expect(page).toContain('<td class="warn">draining</td>');
    expect(page).toContain('<td class="bad">down (ECONNREFUSED)</td>');
  });
});
