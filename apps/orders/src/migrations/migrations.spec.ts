import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { migrations } from './index';

describe('orders migrations', () => {
  const files = readdirSync(__dirname).filter((file) => file.endsWith('.sql'));

  it('lists every .sql file in this folder, once, in name order', () => {
    expect(migrations.map((m) => `${m.name}.sql`)).toEqual([...files].sort());
  });

  it('bundles the text of each file', () => {
    for (const migration of migrations) {
      expect(migration.sql).toBe(readFileSync(join(__dirname, `${migration.name}.sql`), 'utf8'));
    }
  });

  it('are numbered 0001, 0002, … so that name order is the order they were written in', () => {
    expect(migrations.map((m) => m.name.slice(0, 4))).toEqual(migrations.map((_, i) => String(i + 1).padStart(4, '0')));
  });

  it('hold no down migration and manage no transaction themselves: forward only, one transaction per run', () => {
    for (const { name, sql } of migrations) {
      expect({ name, down: /--\s*down/i.test(sql), transaction: /^\s*(BEGIN|COMMIT|ROLLBACK)\b/im.test(sql) }).toEqual({
        name,
        down: false,
        transaction: false,
      });
    }
  });
});
