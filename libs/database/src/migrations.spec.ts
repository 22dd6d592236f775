import { createTestDatabase, type TestDatabase } from './testing';
import { appliedMigrations, migrateToLatest, MigrationError, type SqlMigration } from './migrations';

const CREATE = { name: '0001_create_things', sql: 'CREATE TABLE things (id int PRIMARY KEY);' };
const EXPAND = { name: '0002_add_label', sql: 'ALTER TABLE things ADD COLUMN label text;' };

describe('migrateToLatest on a real PostgreSQL', () => {
  let db: TestDatabase;

  beforeEach(async () => {
    db = await createTestDatabase();
  });
  afterEach(() => db.drop());

  it('applies the migrations in order, records them, and applies nothing the second time', async () => {
    expect(await migrateToLatest(db.pool, [CREATE, EXPAND])).toEqual(['0001_create_things', '0002_add_label']);
    expect(await migrateToLatest(db.pool, [CREATE, EXPAND])).toEqual([]);

    expect(await appliedMigrations(db.pool)).toEqual(['0001_create_things', '0002_add_label']);
    await db.pool.query("INSERT INTO things (id, label) VALUES (1, 'one')");
  });

  it('names the failing migration and keeps nothing of its batch', async () => {
    const broken = { name: '0002_broken', sql: 'ALTER TABLE no_such_table ADD COLUMN x int;' };

    const failure = await migrateToLatest(db.pool, [CREATE, broken]).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(MigrationError);
    expect((failure as MigrationError).migration).toBe('0002_broken');
    expect((failure as MigrationError).message).toBe(
      'migration 0002_broken failed: relation "no_such_table" does not exist',
    );
    const { rows } = await db.pool.query("SELECT to_regclass('things') AS things");
    expect(rows[0].things).toBeNull();
  });

  it('lets only one of two concurrent migrators apply a migration', async () => {
    const slow: SqlMigration = {
      name: '0001_slow',
      sql: 'CREATE TABLE runs (at timestamptz); SELECT pg_sleep(0.3); INSERT INTO runs VALUES (now());',
    };

    const [first, second] = await Promise.all([migrateToLatest(db.pool, [slow]), migrateToLatest(db.pool, [slow])]);

    expect([...first, ...second]).toEqual(['0001_slow']);
    const { rows } = await db.pool.query('SELECT count(*)::int AS runs FROM runs');
    expect(rows[0].runs).toBe(1);
  });
});
