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

/** CPU time (user and system) a process has used so far, in microseconds, from /proc at clock-tick resolution. */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which may hold spaces: utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / CLOCK_TICKS_PER_SECOND;
}

// USER_HZ: 100 on every Linux the bench runs on (x86_64 and arm64 builds fix it at 100).
const CLOCK_TICKS_PER_SECOND = 100;

/** A fixed number of requests at `connections`: the server's CPU per request is measured over exactly these. */
export async function fire(
  url: string,
  amount: number,
  connections: number,
): Promise<{ rps: number; p99: number; errors: number }> {
  // autocannon ends a run on its sampling tick, 1 s by default, which would round the duration to whole seconds.
  const result = await autocannon({ url, amount, connections, pipelining: 1, sampleInt: 10 });
  const seconds = result.duration;
  return { rps: amount / seconds, p99: result.latency.p99, errors: result.errors + result.non2xx };
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
