// CPU overload on a real service process: its event loop is stalled from outside (SIGSTOP/SIGCONT, so no
// test hook is needed in the service), and while it lags, liveness stays 200, readiness answers 503 in the
// kit's shape, and the process survives and becomes ready again. Bounded: about 4 s of stalls, on loopback.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, sleep, waitUntil } from '@gantry/process';
import { bundlePath } from '@gantry/service-catalog';

const root = resolve(__dirname, '../../..');
let service: ChildProcess;
let url: string;

async function get(path: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(5_000) });
  return { status: response.status, body: await response.json() };
}

before(async () => {
  assert.ok(
    existsSync(resolve(root, bundlePath('hello'))),
    `${bundlePath('hello')} is missing: build it first (npx nx run hello:build)`,
  );
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  service = spawn(process.execPath, [resolve(root, bundlePath('hello'))], {
    env: {
      PATH: process.env['PATH'],
      HOST: '127.0.0.1',
      PORT: String(port),
      METRICS_PORT: '0',
      LOG_LEVEL: 'warn',
      MAX_EVENT_LOOP_DELAY_MS: '50',
    },
    stdio: 'ignore',
  });
  const ready = await waitUntil(
    () =>
      get('/hello/ready').then(
        (r) => r.status === 200,
        () => false,
      ),
    { timeoutMs: 15_000 },
  );
  assert.ok(ready, 'hello did not get ready');
});

after(() => {
  service.kill('SIGKILL');
});

describe('a service under CPU overload', () => {
  it('keeps liveness at 200 and answers readiness 503 in the kit shape, then recovers', async () => {
    const health: number[] = [];
    const readiness: Array<{ status: number; body: unknown }> = [];
    let stalling = true;
    // Stall the event loop for 600 ms out of every 650 ms, for 4 s: the lag the kit sheds on.
    const stalls = (async () => {
      const until = Date.now() + 4_000;
      while (Date.now() < until) {
        service.kill('SIGSTOP');
        await sleep(600);
        service.kill('SIGCONT');
        await sleep(50);
      }
      stalling = false;
    })();
    while (stalling) {
      const [h, r] = await Promise.all([get('/hello/health'), get('/hello/ready')]);
      health.push(h.status);
      readiness.push(r);
    }
    await stalls;

    console.log(`  during the stalls: health ${summary(health)}; readiness ${summary(readiness.map((r) => r.status))}`);
    assert.deepEqual([...new Set(health)], [200], 'liveness is never shed');
    const shed = readiness.filter((r) => r.status === 503);
    assert.ok(shed.length > 0, 'readiness answered 503 while the process lagged');
    assert.deepEqual(Object.keys(shed[0].body as object).sort(), ['error', 'message', 'statusCode']);
    assert.ok(
      readiness.every((r) => r.status === 200 || r.status === 503),
      'readiness never answers 500',
    );
    assert.equal(service.exitCode, null, 'the process survived');
    assert.ok(
      await waitUntil(() => get('/hello/ready').then((r) => r.status === 200), { timeoutMs: 10_000 }),
      'ready again',
    );
  });
});

function summary(statuses: number[]): string {
  const counts = new Map<number, number>();
  for (const status of statuses) counts.set(status, (counts.get(status) ?? 0) + 1);
  return [...counts].map(([status, count]) => `${count}×${status}`).join(', ');
}
