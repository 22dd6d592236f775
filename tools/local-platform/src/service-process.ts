import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { waitUntil } from '@gantry/process';

export interface ServiceProcessSpec {
  name: string;
  /** The bundle to run (apps/<name>/dist/main.js). */
  main: string;
  env: Record<string, string>;
  readyUrl: string;
  onLine: (name: string, line: string) => void;
}

/** Where a service process is in its life; only a `ready` one takes traffic through the gateway. */
export type ServiceState = 'starting' | 'ready' | 'draining' | 'exited';

/** A service running as a child process, with its output forwarded line by line. */
export class ServiceProcess {
  private readonly child: ChildProcess;
  private readonly recent: string[] = [];
  private current: ServiceState = 'starting';
  readonly exited: Promise<number | null>;

  constructor(readonly spec: ServiceProcessSpec) {
    this.child = spawn(process.execPath, [spec.main], { env: spec.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => {
      const exit = (code: number | null) => {
        this.current = 'exited';
        resolve(code);
      };
      this.child.once('exit', exit);
      this.child.once('error', (error) => {
        this.remember(error.message);
        exit(null);
      });
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => {
        this.remember(line);
        spec.onLine(spec.name, line);
      });
    }
  }

  get state(): ServiceState {
    return this.current;
  }

  /** The exit code once exited; null when a signal ended it or it never started. */
  get exitCode(): number | null {
    return this.child.exitCode;
  }

  private remember(line: string): void {
    this.recent.push(line);
    if (this.recent.length > 5) this.recent.shift();
  }

  /** Resolves once readiness answers 200; rejects naming the service if it exits or times out first. */
  async waitReady(timeoutMs: number): Promise<void> {
    let exit: { code: number | null } | undefined;
    void this.exited.then((code) => (exit = { code }));
    const ready = () =>
      fetch(this.spec.readyUrl, { signal: AbortSignal.timeout(1_000) }).then(
        (response) => response.status === 200,
        () => false, // not listening yet
      );
    const outcome = await waitUntil(async () => exit ?? (await ready()), { timeoutMs });
    if (outcome === true) {
      if (this.current === 'starting') this.current = 'ready';
      return;
    }
    if (outcome)
      throw new Error(`service "${this.spec.name}" failed to start (exit code ${outcome.code}): ${this.lastWords()}`);
    throw new Error(
      `service "${this.spec.name}" was not ready within ${timeoutMs / 1000}s at ${this.spec.readyUrl}: ${this.lastWords()}`,
    );
  }

  private lastWords(): string {
    const words = this.recent.map((line) => messageOf(line)).join(' | ');
    return words || 'it printed nothing';
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.current === 'exited') return;
    this.current = 'draining';
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** The `msg` of a pino JSON line, or the line itself. */
function messageOf(line: string): string {
  try {
    const parsed = JSON.parse(line) as { msg?: string; err?: { message?: string } };
    return parsed.err?.message ?? parsed.msg ?? line;
  } catch {
    return line;
  }
}
