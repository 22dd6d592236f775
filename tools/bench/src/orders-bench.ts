import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPlatform } from '@gantry/local-platform';
import autocannon from 'autocannon';
import { cpuMicros, median } from './measure';

// orders' figures on the local platform, through its gateway, next to a read from catalog measured in the same
// run: req/s and p99 as the client saw them, and CPU per request of the service process and of PostgreSQL.

export interface EndpointFigures {
  label: string;
  rps: number;
  p99: number;
  serviceCpu: number;
  postgresCpu: number | undefined;
}

interface Endpoint {
  label: string;
  service: 'orders' | 'catalog';
  method: 'GET' | 'POST';
  path: string;
  body?: string;
}

/** Pids whose command line matches, read from /proc: the platform does not hand out its children's pids. */
function pidsWhere(match: (argv: string[]) => boolean): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((entry) => {
      try {
        const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
        return match(argv) ? [Number(entry)] : [];
      } catch {
        return [];
      }
    });
}

/** Every process of the PostgreSQL server on `dataDir`: the postmaster and its backends and workers. */
function postgresPids(dataDir: string): number[] {
  const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const children = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster;
      } catch {
        return false;
      }
    })
    .map(Number);
  return [postmaster, ...children];
}

const cpuOf = (pids: number[]) =>
  pids.reduce((sum, pid) => {
    try {
      return sum + cpuMicros(pid);
    } catch {
      return sum; // a backend that ended during the run
    }
  }, 0);

export async function ordersFigures(
  root: string,
  options: { rounds: number; requests: number; connections: number; log: (line: string) => void },
): Promise<EndpointFigures[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gantry-bench-orders-'));
  const platform = await startPlatform({
    workspaceRoot: root,
    gatewayPort: 0,
    // Below the ephemeral range (32768+) for every port, metrics ones included, and apart from the other benches.
    portOffset: 19_000,
    dataDir,
    env: { PATH: process.env['PATH'], LOG_LEVEL: 'warn' },
  });
  try {
    const gateway = platform.gatewayUrl;
    const items = JSON.stringify({ items: [{ productId: 'sku-001', quantity: 2 }] });
    const placed = await fetch(`${gateway}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: items,
    });
    const { id } = (await placed.json()) as { id: string };
    const endpoints: Endpoint[] = [
      {
        label: 'POST /orders (prices through pricing, writes one order)',
        service: 'orders',
        method: 'POST',
        path: '/orders',
        body: items,
      },
      { label: 'GET /orders/:id', service: 'orders', method: 'GET', path: `/orders/${id}` },
      {
        label: 'GET /catalog/products/:id (in memory, for comparison)',
        service: 'catalog',
        method: 'GET',
        path: '/catalog/products/sku-001',
      },
    ];
    const servicePid = (service: string) =>
      pidsWhere((argv) => argv.some((arg) => arg.endsWith(`apps/${service}/dist/main.js`)) && argv.length === 2)[0];
    const samples = endpoints.map(() => ({
      rps: [] as number[],
      p99: [] as number[],
      cpu: [] as number[],
      pg: [] as number[],
    }));
    for (let round = 1; round <= options.rounds; round += 1) {
      const order = round % 2 ? endpoints : [...endpoints].reverse();
      for (const endpoint of order) {
        const pid = servicePid(endpoint.service);
        const request = {
          url: `${gateway}${endpoint.path}`,
          method: endpoint.method,
          body: endpoint.body,
          headers: endpoint.body ? { 'content-type': 'application/json' } : undefined,
          connections: options.connections,
          pipelining: 1,
          sampleInt: 10,
        };
        await autocannon({ ...request, amount: Math.min(1_000, options.requests) }); // warm-up
        const pg = postgresPids(join(dataDir, 'orders/data'));
        const [cpuBefore, pgBefore] = [cpuMicros(pid), cpuOf(pg)];
        const result = await autocannon({ ...request, amount: options.requests });
        const [cpu, pgCpu] = [
          (cpuMicros(pid) - cpuBefore) / options.requests,
          (cpuOf(pg) - pgBefore) / options.requests,
        ];
        if (result.errors + result.non2xx > 0) {
          throw new Error(`${endpoint.label}: ${result.errors} errors and ${result.non2xx} non-2xx answers`);
        }
        const sample = samples[endpoints.indexOf(endpoint)];
        sample.rps.push(options.requests / result.duration);
        sample.p99.push(result.latency.p99);
        sample.cpu.push(cpu);
        sample.pg.push(pgCpu);
        options.log(
          `round ${round} ${endpoint.label}: ${cpu.toFixed(0)} µs ${endpoint.service} + ${pgCpu.toFixed(0)} µs PostgreSQL CPU/request`,
        );
      }
    }
    return endpoints.map((endpoint, index) => ({
      label: endpoint.label,
      rps: median(samples[index].rps),
      p99: median(samples[index].p99),
      serviceCpu: median(samples[index].cpu),
      postgresCpu: endpoint.service === 'orders' ? median(samples[index].pg) : undefined,
    }));
  } finally {
    await platform.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The report's table: every ratio against the catalog read measured in the same run. */
export function ordersTable(figures: EndpointFigures[]): string {
  const base = figures[figures.length - 1];
  return [
    '| endpoint (through the gateway) | req/s | p99 ms | service CPU µs/request | ratio to the catalog read | PostgreSQL CPU µs/request |',
    '| --- | --- | --- | --- | --- | --- |',
    ...figures.map(
      (f) =>
        `| ${f.label} | ${f.rps.toFixed(0)} | ${f.p99.toFixed(0)} | ${f.serviceCpu.toFixed(0)} | ${(f.serviceCpu / base.serviceCpu).toFixed(2)} | ${
          f.postgresCpu === undefined ? '-' : f.postgresCpu.toFixed(0)
        } |`,
    ),
  ].join('\n');
}
