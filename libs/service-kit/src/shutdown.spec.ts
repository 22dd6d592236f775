import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { installGracefulShutdown } from './shutdown';
import { demo, KeepAliveClient, listenOnLoopback, send } from './test-fixture';
import { buildTestService } from './testing';

/** Opens a bare TCP connection: resolves 'connected', or the error code (ECONNREFUSED once the listener is gone). */
function tcpConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

/** Polls until `check` returns true, at most `timeoutMs`. */
async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(10);
  }
  return check();
}

/** Tracks whether a request promise has settled yet. */
function track<T>(pending: Promise<T>) {
  const state = { settled: false, result: pending };
  void pending.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
}

describe('installGracefulShutdown', () => {
  let app: FastifyInstance;
  let base: string;
  let port: number;

  beforeEach(async () => {
    app = await buildTestService(demo);
    base = await listenOnLoopback(app);
    port = Number(new URL(base).port);
  });
  afterEach(async () => {
    // Already closed by the shutdown under test in most cases; close() is idempotent.
    await app.close();
  });

  it('drains: readiness turns 503 during the delay, the listener closes, the in-flight request still gets 200, exit(0)', async () => {
    const exit = jest.fn();
    const shutdown = installGracefulShutdown(app, { delayMs: 250, drainTimeoutMs: 3000, exit, signals: [] });
    const slow = track(send(`${base}/demo/slow?ms=700`));
    // Let the slow request reach its handler before shutting down.
    await sleep(50);

    const done = shutdown();

    // Delay window: still listening, but not ready, so the load balancer stops sending.
    const ready = await send(`${base}/demo/ready`);
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body)).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'not ready: draining',
    });
    expect(app.lifecycle.state).toBe('draining');
    expect(exit).not.toHaveBeenCalled();

    // After the delay the listener closes: a new TCP connection is refused while the slow request is still running.
    expect(await waitFor(async () => (await tcpConnect(port)) === 'ECONNREFUSED', 1500)).toBe(true);
    expect(slow.settled).toBe(false);
    expect(exit).not.toHaveBeenCalled();

    const response = await slow.result;
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ waited: 700 });

    await done;
    expect(exit).toHaveBeenCalledTimes(1);
    expect(exit).toHaveBeenCalledWith(0);
  });

  it('keeps the listener open for the whole delay', async () => {
    const exit = jest.fn();
    const shutdown = installGracefulShutdown(app, { delayMs: 300, drainTimeoutMs: 1000, exit, signals: [] });

    const done = shutdown();
    await sleep(150);

    expect(await tcpConnect(port)).toBe('connected');
    await done;
    expect(await tcpConnect(port)).toBe('ECONNREFUSED');
    expect(exit).toHaveBeenCalledWith(0);
  });

  it('exits 1 when an in-flight request outlasts the drain timeout', async () => {
    const exit = jest.fn();
    const shutdown = installGracefulShutdown(app, { delayMs: 0, drainTimeoutMs: 100, exit, signals: [] });
    const slow = track(send(`${base}/demo/slow?ms=600`));
    await sleep(50);

    const done = shutdown();

    expect(await waitFor(() => exit.mock.calls.length > 0, 1000)).toBe(true);
    expect(exit).toHaveBeenNthCalledWith(1, 1);
    expect(slow.settled).toBe(false);

    // The request itself is still allowed to finish; let it, so nothing leaks into the next test.
    expect((await slow.result).status).toBe(200);
    await done;
  });

  it('closes the extra servers after the main one, then exits', async () => {
    const order: string[] = [];
    const metrics = {
      close: jest.fn(
        async () => void order.push(app.server.listening ? 'metrics while app listens' : 'metrics after app'),
      ),
    };
    const exit = jest.fn(() => void order.push('exit'));

    await installGracefulShutdown(app, { delayMs: 0, drainTimeoutMs: 1000, alsoClose: [metrics], exit, signals: [] })();

    expect(metrics.close).toHaveBeenCalledTimes(1);
    expect(order).toEqual(['metrics after app', 'exit']);
  });

  it('runs only once when triggered twice', async () => {
    const exit = jest.fn();
    const shutdown = installGracefulShutdown(app, { delayMs: 20, drainTimeoutMs: 1000, exit, signals: [] });

    await Promise.all([shutdown(), shutdown()]);

    expect(exit).toHaveBeenCalledTimes(1);
    expect(exit).toHaveBeenCalledWith(0);
  });

  it('starts on the signals it is given', async () => {
    const exit = jest.fn();
    const before = process.listenerCount('SIGUSR2');
    installGracefulShutdown(app, { delayMs: 0, drainTimeoutMs: 1000, exit, signals: ['SIGUSR2'] });
    expect(process.listenerCount('SIGUSR2')).toBe(before + 1);

    process.emit('SIGUSR2', 'SIGUSR2');

    expect(app.lifecycle.state).toBe('draining');
    expect(await waitFor(() => exit.mock.calls.length > 0, 1000)).toBe(true);
    expect(exit).toHaveBeenCalledWith(0);
    expect(process.listenerCount('SIGUSR2')).toBe(before);
  });
});

describe('installGracefulShutdown with a keep-alive client', () => {
  let app: FastifyInstance;
  let base: string;
  let client: KeepAliveClient;

  beforeEach(async () => {
    app = await buildTestService(demo);
    base = await listenOnLoopback(app);
    client = new KeepAliveClient();
  });
  afterEach(async () => {
    client.close();
    await app.close();
  });

  it('closes idle kept-alive sockets at the signal, not when the listener closes', async () => {
    const exit = jest.fn();
    await Promise.all([client.get(`${base}/demo/health`), client.get(`${base}/demo/health`)]);
    expect(client.idleSockets()).toBe(2);

    const done = installGracefulShutdown(app, { delayMs: 1000, drainTimeoutMs: 1000, exit, signals: [] })();

    expect(await waitFor(() => client.idleSockets() === 0, 300)).toBe(true);
    expect(client.closedSockets.sort()).toEqual([1, 2]);
    expect(await tcpConnect(port(base))).toBe('connected');
    expect(client.socketErrors).toEqual([]);
    await done;
  });

  it('finishes a request that spans the signal, says Connection: close on it and on every later answer, and no request errs', async () => {
    const exit = jest.fn();
    await client.get(`${base}/demo/health`);
    const slow = track(client.get(`${base}/demo/slow?ms=600`, { 'x-request-id': 'spanning-1' }));
    await sleep(50);

    const done = installGracefulShutdown(app, { delayMs: 400, drainTimeoutMs: 3000, exit, signals: [] })();

    // While the listener stays open, requests keep being answered, each on a socket that then closes.
    const during = [];
    for (let i = 0; i < 5; i += 1) {
      during.push(await client.get(`${base}/demo/health`));
      await sleep(40);
    }
    expect(during.map((response) => [response.status, response.headers.connection])).toEqual(
      Array.from({ length: 5 }, () => [200, 'close']),
    );
    expect(new Set(during.map((response) => response.socket)).size).toBe(5);

    const spanning = await slow.result;
    expect(spanning.status).toBe(200);
    expect(JSON.parse(spanning.body)).toEqual({ waited: 600 });
    expect(spanning.headers.connection).toBe('close');
    expect(spanning.headers['x-request-id']).toBe('spanning-1');

    await done;
    expect(exit).toHaveBeenCalledWith(0);
    expect(client.idleSockets()).toBe(0);
    expect(client.socketErrors).toEqual([]);
  });
});

function port(base: string): number {
  return Number(new URL(base).port);
}
