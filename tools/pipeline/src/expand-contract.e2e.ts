// The expand/contract rule, enforced: for each database service, the previous release's code runs its own
// tests against a database migrated by this checkout's bundle (`main.js migrate`, as the migrate step runs
// it). A second case shows the check failing on a contracting change. Real PostgreSQL, real git, real jest;
// bounded by one jest run per case. Run with `npm run test:migrations` (which builds the bundles first).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connectionEnv, startEmbeddedPostgres, type RunningPostgres } from '@gantry/database/embedded';
import { freeLoopbackPort, TEMPLATE_ENV } from '@gantry/database/testing';
import { bundlePath, databaseServices, loadCatalog, MIGRATE_ARGUMENT } from '@gantry/service-catalog';
import { Client } from 'pg';
import { previousRelease, runServiceTests, unpackCommit } from './expand-contract';

const root = resolve(__dirname, '../../..');
const dir = mkdtempSync(join(tmpdir(), 'gantry-expand-contract-'));
const trees: string[] = [];
let server: RunningPostgres;

/** A database migrated by this checkout's bundle of `service`, plus `extraSql`; the template its old tests clone. */
async function migratedTemplate(service: string, database: string, extraSql = ''): Promise<string> {
  const admin = new Client({ ...server.connection, database: 'postgres' });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const connection = { ...server.connection, database };
  const migrate = spawnSync(process.execPath, [join(root, bundlePath(service)), MIGRATE_ARGUMENT], {
    env: { PATH: process.env['PATH'], ...connectionEnv(connection) },
    encoding: 'utf8',
  });
  assert.equal(migrate.status, 0, migrate.stdout + migrate.stderr);
  if (extraSql) {
    const client = new Client(connection);
    await client.connect();
    await client.query(extraSql);
    await client.end();
  }
  return JSON.stringify(connection);
}

before(async () => {
  server = await startEmbeddedPostgres({ dir, port: await freeLoopbackPort(), database: 'postgres' });
});

after(async () => {
  await server?.stop();
  for (const tree of [dir, ...trees]) rmSync(tree, { recursive: true, force: true });
});

describe('expand/contract: the previous release passes its tests against the new schema', () => {
  for (const entry of databaseServices(loadCatalog(root))) {
    const previous = previousRelease(root, entry.name);

    it(`${entry.name}: the release before this schema (${previous?.label ?? 'none'}) passes its tests against it`, async (t) => {
      if (!previous) return t.skip(`${entry.name} has no earlier code with migrations: nothing can break`);
      assert.ok(existsSync(join(root, bundlePath(entry.name))), `build ${entry.name} first (npm run test:migrations)`);
      const template = await migratedTemplate(entry.name, `${entry.database.name}_expand`);
      const tree = unpackCommit(root, previous.commit);
      trees.push(tree);

      const run = await runServiceTests(root, tree, entry.name, { [TEMPLATE_ENV]: template });

      assert.equal(run.code, 0, run.lines.slice(-40).join('\n'));
    });
  }

  it('fails when a migration contracts what the previous release still uses (a renamed column)', async () => {
    const previous = previousRelease(root, 'orders');
    assert.ok(previous, 'orders has an earlier release with migrations');
    const template = await migratedTemplate(
      'orders',
      'orders_contract',
      'ALTER TABLE orders RENAME COLUMN total_cents TO amount_cents;',
    );
    const tree = unpackCommit(root, previous.commit);
    trees.push(tree);

    const run = await runServiceTests(root, tree, 'orders', { [TEMPLATE_ENV]: template });

    // The old code's queries name total_cents: its routes answer 500 and its tests fail.
    assert.notEqual(run.code, 0);
    assert.match(run.lines.join('\n'), /Tests: +\d+ failed/);
    assert.match(run.lines.join('\n'), /Received: 500/);
  });
});
