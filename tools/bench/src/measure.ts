import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { waitUntil } from '@gantry/process';
import autocannon from 'autocannon';

export interface Server {
  child: ChildProcess;
  url: string;
}

/** Starts a server process and resolves once `readyUrl` answers 200, with the time that took. */
export async function startServer(
  args: string[],
  env: Record<string, string>,
  readyUrl: string,
): Promise<{ server: Server; startMs: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: 'ignore' });
  const ready = await waitUntil(
    async () => {
      if (child.exitCode !== null)
        throw new Error(`${args.join(' ')} exited with ${child.exitCode} before it was ready`);
      return fetch(readyUrl).then(
        (response) => response.status === 200,
        () => false, // not listening yet
      );
    },
    { timeoutMs: 30_000, intervalMs: 5 },
  );
  if (!ready) throw new Error(`${readyUrl} not ready within 30 s`);
  return { server: { child, url: new URL(readyUrl).origin }, startMs: performance.now() - started };
}

export async function stopServer(server: Server): Promise<void> {
  if (server.child.exitCode !== null) return;
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGKILL');
  await exited;
}

/** Requests per second and p99 latency for `seconds` of load at `connections`. */
export async function load(
  url: string,
  seconds: number,
  connections: number,
): Promise<{ rps: number; p99: number; errors: number }> {
  const result = await autocannon({ url, duration: seconds, connections, pipelining: 1 });
  return { rps: result.requests.average, p99: result.latency.p99, errors: result.errors + result.non2xx };
}

/** Resident and peak resident memory of a process, in MB (from /proc). */
export function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(status.match(new RegExp(`^${field}:\\s+(\\d+)`, 'm'))?.[1] ?? 0);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
