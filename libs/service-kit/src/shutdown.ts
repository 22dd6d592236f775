import type { FastifyInstance } from 'fastify';

export interface ShutdownOptions {
  /** How long readiness answers 503 before the listener closes. */
  delayMs: number;
  /** How long in-flight requests may take to finish once the listener is closed. */
  drainTimeoutMs: number;
  /** Other servers to close after the main one (the metrics listener). */
  alsoClose?: ReadonlyArray<{ close(): Promise<unknown> }>;
  exit?: (code: number) => void;
  signals?: NodeJS.Signals[];
}

/**
 * On SIGTERM or SIGINT: turn not-ready, wait `delayMs`, stop accepting, let in-flight requests
 * finish, exit 0. If draining overruns `drainTimeoutMs`, exit 1 so the overrun is visible.
 * From the signal on every response says `Connection: close` (the response headers plugin reads the
 * state) and idle keep-alive sockets are closed at once, so no client sends a request on a socket that
 * the closing listener is about to drop.
 */
export function installGracefulShutdown(app: FastifyInstance, options: ShutdownOptions): () => Promise<void> {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let started: Promise<void> | undefined;

  const shutdown = (signal = 'SIGTERM'): Promise<void> => {
    started ??= (async () => {
      app.lifecycle.state = 'draining';
      app.server.closeIdleConnections();
      app.log.info(
        { signal, delayMs: options.delayMs, drainTimeoutMs: options.drainTimeoutMs },
        'shutting down: not ready',
      );
      await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      const overrun = setTimeout(() => {
        app.log.error({ drainTimeoutMs: options.drainTimeoutMs }, 'in-flight requests did not finish in time; exiting');
        exit(1);
      }, options.drainTimeoutMs);
      overrun.unref();
      await app.close();
      await Promise.all((options.alsoClose ?? []).map((server) => server.close()));
      clearTimeout(overrun);
      app.log.info('shutdown complete');
      exit(0);
    })();
    return started;
  };

  for (const signal of options.signals ?? ['SIGTERM', 'SIGINT']) {
    process.once(signal, () => void shutdown(signal));
  }
  return () => shutdown();
}
