import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DaemonExitedError, livePid, startDaemon, stopDaemon, type DaemonSpec } from './daemon';
import { freePort } from './free-port';

describe('daemon lifecycle', () => {
  let home: string;
  const log: string[] = [];

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'process-daemon-'));
    log.length = 0;
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  /** A tiny HTTP daemon; `script` replaces its body to make it misbehave. */
  async function spec(script?: string): Promise<DaemonSpec> {
    const port = await freePort();
    const file = join(home, 'daemon.js');
    writeFileSync(
      file,
      script ?? `require('node:http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1');`,
    );
    return {
      name: 'test-daemon',
      command: process.execPath,
      args: [file],
      pidFile: join(home, 'daemon.pid'),
      logFile: join(home, 'daemon.log'),
      mustMention: file,
      ready: () =>
        fetch(`http://127.0.0.1:${port}/`).then(
          (r) => r.ok,
          () => false,
        ),
    };
  }

  it('starts a daemon that outlives the call, reuses it, and stops it by its pid', async () => {
    const daemon = await spec();

    const pid = await startDaemon(daemon, (line) => log.push(line), 10_000);
    const again = await startDaemon(daemon, (line) => log.push(line), 10_000);

    expect(again).toBe(pid);
    expect(readFileSync(daemon.pidFile, 'utf8').trim()).toBe(String(pid));
    expect(log).toEqual([
      `starting test-daemon (pid ${pid}), log: ${daemon.logFile}`,
      `test-daemon already running (pid ${pid})`,
    ]);
    expect(await stopDaemon(daemon, (line) => log.push(line))).toBe(pid);
    expect(livePid(daemon.pidFile)).toBeUndefined();
    expect(existsSync(daemon.pidFile)).toBe(false);
    expect(log.at(-1)).toBe(`test-daemon stopped (pid ${pid})`);
  });

  it('reports a daemon that exits before it is ready, with its exit code and last words', async () => {
    const daemon = await spec("console.error('port taken'); process.exit(3);");

    const error = await startDaemon(daemon, () => undefined, 10_000).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DaemonExitedError);
    expect((error as DaemonExitedError).code).toBe(3);
    expect((error as Error).message).toBe(
      'test-daemon exited (code 3) before it was ready; last log lines:\n  port taken',
    );
    expect(existsSync(daemon.pidFile)).toBe(false);
  });

  it('kills a daemon that is never ready, and says how long it waited', async () => {
    const daemon = await spec('setInterval(() => undefined, 1000);');

    await expect(startDaemon(daemon, () => undefined, 1_000)).rejects.toThrow('test-daemon was not ready within 1s');
    expect(existsSync(daemon.pidFile)).toBe(false);
  });

  it('does nothing when asked to stop a daemon that is not running', async () => {
    const daemon = await spec();

    expect(await stopDaemon(daemon, (line) => log.push(line))).toBeUndefined();
    expect(log).toEqual(['test-daemon is not running']);
  });

  it('does not take a reused pid for its daemon', async () => {
    const daemon = await spec();
    writeFileSync(daemon.pidFile, `${process.pid}\n`);

    expect(livePid(daemon.pidFile)).toBe(process.pid);
    expect(livePid(daemon.pidFile, daemon.mustMention)).toBeUndefined();
  });
});
