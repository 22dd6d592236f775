import { createServer } from 'node:net';
import { runLines } from './run-lines';
import { table } from './table';
import { waitUntil } from './wait';
import { freePort } from './free-port';

describe('table', () => {
  it('pads columns, rules the header and trims trailing space', () => {
    expect(
      table(
        ['step', 'seconds', 'outcome'],
        [
          ['base', '0.1', 'ok'],
          ['checks', '12.4', ''],
        ],
      ),
    ).toBe(['step    seconds  outcome', '------  -------  -------', 'base    0.1      ok', 'checks  12.4'].join('\n'));
  });
});

describe('waitUntil', () => {
  it('returns the first answer that is neither undefined nor false', async () => {
    let calls = 0;

    expect(await waitUntil(() => (++calls < 3 ? false : `after ${calls}`), { timeoutMs: 5_000, intervalMs: 1 })).toBe(
      'after 3',
    );
  });

  it('returns undefined once the time is up', async () => {
    expect(await waitUntil(() => false, { timeoutMs: 50, intervalMs: 10 })).toBeUndefined();
  });
});

describe('freePort', () => {
  it('gives a loopback port a server can listen on', async () => {
    const port = await freePort();
    const server = createServer();

    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    await new Promise((resolve) => server.close(resolve));
  });
});

describe('runLines', () => {
  it('streams stdout and stderr line by line and resolves with the exit code', async () => {
    const seen: string[] = [];

    const result = await runLines(
      process.execPath,
      ['-e', "console.log('one\\ntwo'); console.error('three'); process.exit(4)"],
      { cwd: __dirname, env: process.env },
      (line) => seen.push(line),
    );

    expect(result.code).toBe(4);
    expect([...result.lines].sort()).toEqual(['one', 'three', 'two']);
    expect(seen.filter((line) => line !== 'three')).toEqual(['one', 'two']);
  });
});
