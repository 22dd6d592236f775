import { runMigrateCommand } from './migrate-command';
import { migrateVerdict } from './migrate-verdict';
import { createTestDatabase, type TestDatabase } from './testing';

describe('runMigrateCommand', () => {
  let db: TestDatabase;
  let lines: string[];
  const io = (env: NodeJS.ProcessEnv) => ({ env, write: (line: string) => lines.push(line) });

  beforeEach(async () => {
    db = await createTestDatabase();
    lines = [];
  });
  afterEach(() => db.drop());

  it('applies the migrations, says which, and exits 0', async () => {
    const code = await runMigrateCommand('shop', [{ name: '0001_a', sql: 'CREATE TABLE a (id int);' }], io(db.env));

    expect(code).toBe(0);
    expect(JSON.parse(lines[0])).toMatchObject({
      level: 'info',
      service: 'shop',
      msg: 'applied 1 migration(s): 0001_a',
    });
  });

  it('exits 1 with a line naming the failed migration and the reason', async () => {
    const migrations = [{ name: '0001_bad', sql: 'CREATE TABLE a (id int REFERENCES missing (id));' }];

    const code = await runMigrateCommand('shop', migrations, io(db.env));

    expect(code).toBe(1);
    expect(JSON.parse(lines[0])).toMatchObject({
      level: 'error',
      migration: '0001_bad',
      msg: 'migration 0001_bad failed: relation "missing" does not exist',
    });
  });

  it('exits 78 naming a missing variable, and never prints the password', async () => {
    const code = await runMigrateCommand('shop', [], io({ ...db.env, DB_HOST: '', DB_PORT: 'five' }));

    expect(code).toBe(78);
    expect(lines.map((line) => JSON.parse(line).msg)).toEqual([
      'shop: invalid configuration: DB_HOST must be a host name or address (it is not set); DB_PORT must be an integer from 1 to 65535 (got "five")',
    ]);
    expect(lines.join('\n')).not.toContain(db.env['DB_PASSWORD']);
  });
});

describe('migrateVerdict', () => {
  it("is the msg of the command's last JSON line, past any other output after it", () => {
    const output = [
      '{"level":"info","msg":"connecting"}',
      '{"level":"error","msg":"migration 0002_x failed: boom"}',
      'npm notice',
      '',
    ].join('\n');

    expect(migrateVerdict(output)).toBe('migration 0002_x failed: boom');
    expect(migrateVerdict('Segmentation fault')).toBeUndefined();
  });
});
