import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres, type RunningPostgres } from './embedded';
import { freeLoopbackPort, killServerHard } from './testing';

async function query(server: RunningPostgres, text: string): Promise<unknown[]> {
  const client = new Client(server.connection);
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

// Creating a cluster and starting servers takes seconds on a busy 2-core machine.
jest.setTimeout(60_000);

describe('startEmbeddedPostgres', () => {
  let dir: string;
  let port: number;
  const started: RunningPostgres[] = [];
  const start = async (lines: string[] = []) => {
    const server = await startEmbeddedPostgres({ dir, port, database: 'shop', log: (line) => lines.push(line) });
    started.push(server);
    return server;
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gantry-embedded-'));
    port = await freeLoopbackPort();
  });
  afterEach(async () => {
    for (const server of started.splice(0)) await server.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps committed rows across a SIGKILL of the server, removing the lock it left', async () => {
    const first = await start();
    await query(first, 'CREATE TABLE orders (id int PRIMARY KEY); INSERT INTO orders VALUES (1), (2);');

    await killServerHard(first.pid);
    const lines: string[] = [];
    const second = await start(lines);

    expect(await query(second, 'SELECT id FROM orders ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }]);
    expect(second.pid).not.toBe(first.pid);
    expect(lines).toContainEqual(expect.stringMatching(/^removing the stale lock of a killed run/));
  });

  it('shuts down a server an earlier run left running on the same data, then starts its own', async () => {
    const orphan = await start();
    await query(orphan, 'CREATE TABLE kept (id int); INSERT INTO kept VALUES (7);');

    const lines: string[] = [];
    const fresh = await start(lines);

    expect(lines[0]).toBe(
      `stopping PostgreSQL (pid ${orphan.pid}), left running on ${join(dir, 'data')} by an earlier run`,
    );
    expect(() => process.kill(orphan.pid, 0)).toThrow();
    expect(await query(fresh, 'SELECT id FROM kept')).toEqual([{ id: 7 }]);
  });

  it('listens on loopback only and refuses a wrong password', async () => {
    const server = await start();
    const client = new Client({ ...server.connection, password: 'wrong' });

    await expect(client.connect()).rejects.toThrow(/password authentication failed/);
    expect(await query(server, 'SHOW listen_addresses')).toEqual([{ listen_addresses: '127.0.0.1' }]);
  });
});
