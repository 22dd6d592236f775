// Nothing orders answered is lost, on the local platform (real bundles, real gateway, embedded PostgreSQL):
// PostgreSQL SIGKILLed under a write load, concurrent retries of one Idempotency-Key, concurrent PATCHes of
// one version, and PostgreSQL down. Bounded: about 20 s of load in all, on loopback. `npm run test:resilience`.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connectionEnv, startEmbeddedPostgres, type RunningPostgres } from '@gantry/database/embedded';
import { killServerHard } from '@gantry/database/testing';
import { startPlatform, type RunningPlatform } from '@gantry/local-platform';
import { sleep, waitUntil } from '@gantry/process';
import { loadCatalog, type ServiceEntry } from '@gantry/service-catalog';
import { Client } from 'pg';

const root = resolve(__dirname, '../../..');
// Every port stays below the ephemeral range (32768+), where a client socket could already hold it.
const PORT_OFFSET = 22_000;
const dataDir = mkdtempSync(join(tmpdir(), 'gantry-durability-'));
const orders = loadCatalog(root).find((entry) => entry.name === 'orders') as ServiceEntry & {
  database: NonNullable<ServiceEntry['database']>;
};
const ITEMS = JSON.stringify({ items: [{ productId: 'sku-001', quantity: 1 }] });
let platform: RunningPlatform;
/** The server the test restarted itself, after the platform's was killed. */
let restarted: RunningPostgres | undefined;

const ordersDirect = `http://127.0.0.1:${orders.port + PORT_OFFSET}`;
const postgresDir = join(dataDir, 'orders');

function post(key: string | undefined, body = ITEMS): Promise<Response> {
  return fetch(`${platform.gatewayUrl}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
    body,
    signal: AbortSignal.timeout(10_000),
  });
}

/** The pid of the server on the orders database's data, as its lock file names it. */
function postmasterPid(): number {
  return Number(readFileSync(join(postgresDir, 'data/postmaster.pid'), 'utf8').split('\n')[0]);
}

function restartPostgres(): Promise<RunningPostgres> {
  return startEmbeddedPostgres({
    dir: postgresDir,
    port: orders.database.port + PORT_OFFSET,
    database: orders.database.name,
  }).then((server) => (restarted = server));
}

async function rows<T>(text: string): Promise<T[]> {
  const env = connectionEnv((restarted as RunningPostgres).connection);
  const client = new Client({
    host: env['DB_HOST'],
    port: Number(env['DB_PORT']),
    database: env['DB_NAME'],
    user: env['DB_USER'],
    password: env['DB_PASSWORD'],
  });
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

before(async () => {
  platform = await startPlatform({
    workspaceRoot: root,
    gatewayPort: 0,
    portOffset: PORT_OFFSET,
    dataDir,
    env: { PATH: process.env['PATH'], LOG_LEVEL: 'warn' },
  });
});

after(async () => {
  await platform?.stop();
  await restarted?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('orders on PostgreSQL, through the gateway', () => {
  it('keeps every order it answered 201 across a SIGKILL of PostgreSQL under write load, and none it did not', async () => {
    // Each writer retries its key until it gets 201, as a client with an Idempotency-Key does.
    const answered = new Map<string, string>();
    const failures = new Map<number | string, number>();
    let writing = true;
    let next = 0;
    const writer = async () => {
      while (writing) {
        const key = `load-${next++}`;
        for (let attempt = 0; ; attempt += 1) {
          const outcome: { status: number | string; body: { id?: string } } = await post(key).then(
            async (response) => ({ status: response.status, body: (await response.json()) as { id?: string } }),
            (error: Error) => ({ status: error.name, body: {} }),
          );
          if (outcome.status === 201 && outcome.body.id) {
            answered.set(key, outcome.body.id);
            break;
          }
          failures.set(outcome.status, (failures.get(outcome.status) ?? 0) + 1);
          assert.ok(attempt < 200, `${key}: no 201 after 200 attempts (last ${outcome.status})`);
          await sleep(100);
        }
      }
    };
    const writers = Array.from({ length: 6 }, writer);

    await sleep(2_000);
    const before = answered.size;
    const killed = postmasterPid();
    await killServerHard(killed);
    await sleep(1_500);
    await restartPostgres();
    await sleep(2_500);
    writing = false;
    await Promise.all(writers);

    const stored = await rows<{ idempotency_key: string; id: string }>('SELECT idempotency_key, id FROM orders');
    console.log(
      `  ${answered.size} orders answered 201 (${before} before the SIGKILL of pid ${killed}), ${stored.length} stored; ` +
        `failed attempts, retried with their key: ${JSON.stringify(Object.fromEntries(failures))}`,
    );
    assert.ok(before > 0 && answered.size > before, 'orders were placed before and after the kill');
    assert.ok([...failures.keys()].includes(503), 'the outage was seen as 503s');
    assert.deepEqual(
      new Map(stored.map((row) => [row.idempotency_key, row.id])),
      answered,
      'the stored orders are exactly the answered ones',
    );
    for (const id of [...answered.values()].slice(-20)) {
      assert.equal((await fetch(`${platform.gatewayUrl}/orders/${id}`)).status, 200);
    }
  });

  it('creates one order when the same Idempotency-Key arrives 50 times at once', async () => {
    const responses = await Promise.all(Array.from({ length: 50 }, () => post('burst-1')));
    const bodies = (await Promise.all(responses.map((response) => response.json()))) as Array<{ id: string }>;

    assert.deepEqual(
      responses.map((response) => response.status),
      Array(50).fill(201),
    );
    assert.equal(new Set(bodies.map((body) => body.id)).size, 1);
    assert.deepEqual(await rows("SELECT count(*)::int AS n FROM orders WHERE idempotency_key = 'burst-1'"), [{ n: 1 }]);
  });

  it('lets exactly one of 20 concurrent PATCHes with the same version win; the others get 412', async () => {
    const { id } = (await (await post(undefined)).json()) as { id: string };

    const statuses = await Promise.all(
      Array.from({ length: 20 }, () =>
        fetch(`${platform.gatewayUrl}/orders/${id}`, {
          method: 'PATCH',
          headers: { 'content-type': 'application/json', 'if-match': '"1"' },
          body: JSON.stringify({ status: 'paid' }),
        }).then((response) => response.status),
      ),
    );

    assert.equal(statuses.filter((status) => status === 200).length, 1);
    assert.equal(statuses.filter((status) => status === 412).length, 19);
    assert.deepEqual(await rows(`SELECT status, version FROM orders WHERE id = '${id}'`), [
      { status: 'paid', version: 2 },
    ]);
  });

  it('answers 503 with Retry-After while PostgreSQL is down; /ready is 503, /health stays 200, and it recovers', async () => {
    await (restarted as RunningPostgres).stop();

    const write = await post('while-down');
    const ready = await fetch(`${ordersDirect}/orders/ready`);
    const health = await fetch(`${ordersDirect}/orders/health`);

    assert.equal(write.status, 503);
    assert.equal(write.headers.get('retry-after'), '2');
    assert.deepEqual(await write.json(), {
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'the database is unavailable; retry shortly',
    });
    assert.equal(ready.status, 503);
    assert.equal(((await ready.json()) as { message: string }).message, 'not ready: database is unavailable');
    assert.equal(health.status, 200);

    await restartPostgres();
    const recovered = await waitUntil(async () => (await fetch(`${ordersDirect}/orders/ready`)).status === 200, {
      timeoutMs: 15_000,
      intervalMs: 200,
    });
    assert.ok(recovered, 'orders turned ready again once PostgreSQL was back');
    assert.equal((await post('while-down')).status, 201);
  });
});
