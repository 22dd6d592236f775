import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { startPlatform } from '@gantry/local-platform';
import { runCli } from '@gantry/process';
import { bundlePath } from '@gantry/service-catalog';
import { cpuMicros, fire, median, memoryOf, startServer, stopServer } from './measure';
import { profileServer } from './profile';
import { markedSection, SCALE_SECTION } from './marked-section';
import { ordersFigures, ordersTable } from './orders-bench';
import { pipelineFigures } from './pipeline-bench';
import { stepTable } from './step-table';

// Every figure is a ratio against a baseline measured in the same run, because this machine is noisy.
const root = resolve(__dirname, '../../..');
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const REQUESTS = Number(process.env['BENCH_REQUESTS'] ?? 30_000);
const PROFILE_REQUESTS = 20_000;
const ORDERS_REQUESTS = Number(process.env['BENCH_ORDERS_REQUESTS'] ?? 3_000);
const CONNECTIONS = 50;
const log = (line: string) => console.log(`[bench] ${line}`);

interface Variant {
  label: string;
  args: string[];
  env: Record<string, string>;
  path: string;
  /** The most this variant may cost per request, as a multiple of bare Fastify's CPU (issue 12's targets). */
  target?: number;
}

const kitEnv = { METRICS_PORT: '0', HOST: '127.0.0.1', SHUTDOWN_DELAY_MS: '0' };
const variants: Variant[] = [
  {
    label: 'bare Fastify hello-world',
    args: ['--import', 'tsx', resolve(__dirname, 'bare-server.ts')],
    env: { PORT: '4101' },
    path: 'http://127.0.0.1:4101/hello',
  },
  {
    label: "bare Fastify sending the kit's headers as constants",
    args: ['--conditions=@gantry/source', '--import', 'tsx', resolve(__dirname, 'headers-server.ts')],
    env: { PORT: '4104' },
    path: 'http://127.0.0.1:4104/hello',
  },
  {
    label: 'hello on the service kit, LOG_LEVEL=warn',
    args: [resolve(root, bundlePath('hello'))],
    env: { ...kitEnv, PORT: '4103', LOG_LEVEL: 'warn' },
    path: 'http://127.0.0.1:4103/hello',
    target: 1.5,
  },
  {
    label: 'hello on the service kit, LOG_LEVEL=info (an access line per request)',
    args: [resolve(root, bundlePath('hello'))],
    env: { ...kitEnv, PORT: '4102', LOG_LEVEL: 'info' },
    path: 'http://127.0.0.1:4102/hello',
    target: 2,
  },
];

interface Samples {
  cpu: number[];
  rps: number[];
  p99: number[];
  rss: number[];
  start: number[];
}

/** Each variant's server CPU per request over a fixed request count, in rounds of alternating order. */
async function costPerRequest(): Promise<Samples[]> {
  const samples = variants.map((): Samples => ({ cpu: [], rps: [], p99: [], rss: [], start: [] }));
  for (let round = 1; round <= ROUNDS; round += 1) {
    // Alternate the order each round so drift on the machine does not favour one variant.
    const order = round % 2 ? variants : [...variants].reverse();
    for (const variant of order) {
      const { server, startMs } = await startServer(variant.args, variant.env, variant.path);
      const pid = server.child.pid as number;
      await fire(variant.path, 5_000, CONNECTIONS); // warm-up: JIT and connection pool
      const cpuBefore = cpuMicros(pid);
      const result = await fire(variant.path, REQUESTS, CONNECTIONS);
      const cpu = (cpuMicros(pid) - cpuBefore) / REQUESTS;
      const memory = memoryOf(pid);
      await stopServer(server);
      if (result.errors > 0) throw new Error(`${variant.label}: ${result.errors} failed requests`);
      const sample = samples[variants.indexOf(variant)];
      sample.cpu.push(cpu);
      sample.rps.push(result.rps);
      sample.p99.push(result.p99);
      sample.rss.push(memory.rssMb);
      sample.start.push(startMs);
      log(
        `round ${round} ${variant.label}: ${cpu.toFixed(1)} µs CPU/request, ${result.rps.toFixed(0)} req/s, RSS ${memory.rssMb.toFixed(1)} MB`,
      );
    }
  }
  return samples;
}

/** The kit's hello from source under `--cpu-prof`, at each log level: where its time goes. */
async function profiles(): Promise<Map<string, Array<{ area: string; microsPerRequest: number }>>> {
  const result = new Map<string, Array<{ area: string; microsPerRequest: number }>>();
  for (const level of ['warn', 'info']) {
    const url = 'http://127.0.0.1:4105/hello';
    const areas = await profileServer({
      workspaceRoot: root,
      args: ['--conditions=@gantry/source', '--import', 'tsx', resolve(root, 'apps/hello/src/main.ts')],
      env: { ...kitEnv, PORT: '4105', LOG_LEVEL: level },
      url,
      amount: PROFILE_REQUESTS,
      connections: CONNECTIONS,
    });
    result.set(level, areas);
    log(`profiled the kit at ${level}: ${areas.length} areas`);
  }
  return result;
}

function profileTable(byLevel: Map<string, Array<{ area: string; microsPerRequest: number }>>): string {
  const [warn, info] = [byLevel.get('warn') ?? [], byLevel.get('info') ?? []];
  const areas = [...new Set([...warn.slice(0, 12), ...info.slice(0, 12)].map((row) => row.area))];
  const at = (rows: typeof warn, area: string) => rows.find((row) => row.area === area)?.microsPerRequest ?? 0;
  const total = (rows: typeof warn) => rows.reduce((sum, row) => sum + row.microsPerRequest, 0);
  areas.sort((a, b) => at(info, b) - at(info, a));
  return [
    '| where (self time) | µs/request at warn | µs/request at info |',
    '| --- | --- | --- |',
    ...areas.map((area) => `| ${area} | ${at(warn, area).toFixed(2)} | ${at(info, area).toFixed(2)} |`),
    `| **all sampled, idle left out** | ${total(warn).toFixed(2)} | ${total(info).toFixed(2)} |`,
  ].join('\n');
}

async function platformStart(): Promise<number[]> {
  const times: number[] = [];
  for (let round = 1; round <= ROUNDS; round += 1) {
    const started = performance.now();
    const platform = await startPlatform({
      workspaceRoot: root,
      gatewayPort: 0,
      // Below the ephemeral range (32768+) for every port, metrics ones included: a client socket may hold one there.
      portOffset: 23_000,
      env: { PATH: process.env['PATH'], LOG_LEVEL: 'warn' },
    });
    times.push(performance.now() - started);
    await platform.stop();
    log(`round ${round} platform: all services ready in ${times.at(-1)?.toFixed(0)} ms`);
  }
  return times;
}

async function main() {
  log(`${ROUNDS} rounds of ${REQUESTS} requests at ${CONNECTIONS} connections per server, on ${cpus().length} cores`);
  const samples = await costPerRequest();
  const profiled = await profiles();
  const platform = await platformStart();
  const orders = await ordersFigures(root, { rounds: ROUNDS, requests: ORDERS_REQUESTS, connections: 20, log });
  const pipeline = await pipelineFigures(root, log);
  const base = samples[0];
  const rows = variants.map((variant, index) => {
    const s = samples[index];
    const ratio = median(s.cpu) / median(base.cpu);
    const cells = [
      variant.label,
      median(s.cpu).toFixed(1),
      ratio.toFixed(2),
      variant.target === undefined
        ? ''
        : `≤ ${variant.target.toFixed(1)}× ${ratio <= variant.target ? 'met' : '**missed**'}`,
      median(s.rps).toFixed(0),
      median(s.p99).toFixed(0),
      median(s.rss).toFixed(1),
      (median(s.rss) / median(base.rss)).toFixed(2),
      median(s.start).toFixed(0),
    ];
    return `| ${cells.join(' | ')} |`;
  });
  const report = `# Benchmarks

Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)} (Node ${process.version}, ${cpus().length} cores).
Each server runs in its own process on 127.0.0.1. autocannon, in the bench process, sends a warm-up of 5000
requests and then exactly ${REQUESTS} at ${CONNECTIONS} connections; the server's CPU time (user + system, from
/proc) over those requests, divided by their count, is its cost per request. On 2 shared cores req/s also
measures the load generator, so CPU per request is the figure to compare. ${ROUNDS} rounds in alternating
order; figures are medians, and ratios compare with bare Fastify measured in the same run.

## \`GET /hello\`: the service kit against bare Fastify

| server | CPU µs/request | ratio | target | req/s | p99 ms | RSS after load MB | RSS ratio | start to ready ms |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}

The kit adds, per request: a request id (taken from the caller or generated) echoed back, helmet's security
headers, the load-shedding check, a route metric (one histogram observation) and, at \`info\`, one JSON
access line. The second row sends the same headers with no kit: the gap between it and bare Fastify is what
the headers' bytes cost (Node validates each one, and the kernel carries about 900 bytes more per response).

### Where the time goes (\`--cpu-prof\`, ${PROFILE_REQUESTS} requests, hello run from source)

Self time per request while under load, by package, workspace file or Node subsystem; names in brackets are
native work (\`writev\` is the response's system call, which on loopback also carries the receiving side).
The profiler's own cost inflates these figures; compare the rows, not the totals with the table above.

${profileTable(profiled)}

## Local platform start

From \`startPlatform()\` to every service answering \`/<name>/ready\` (bundles already built): median
${median(platform).toFixed(0)} ms over ${platform.length} runs (${platform.map((t) => t.toFixed(0)).join(', ')} ms).

## orders on PostgreSQL, through the local gateway

The local platform with its embedded PostgreSQL (data in a temporary folder), ${ORDERS_REQUESTS} requests per
endpoint at 20 connections after a warm-up of 1000, ${ROUNDS} rounds in alternating order, medians. Service CPU
is the service process's; PostgreSQL's is the postmaster's and its backends' over the same requests. A
\`POST /orders\` also costs pricing and catalog one quote each, which neither column counts.

${ordersTable(orders)}

## Pipeline wall time (\`npm run pipeline\` steps on temporary clones, one run each, side by side)

${
  pipeline
    ? `| run | seconds | ratio |
| --- | --- | --- |
| cold first run (empty caches, builds everything) | ${pipeline.cold.toFixed(1)} | 1.00 |
| fresh clone of the same commit, warm remote cache (${pipeline.remoteHits} tasks from S3) | ${pipeline.warmFreshClone.toFixed(1)} | ${(pipeline.warmFreshClone / pipeline.cold).toFixed(2)} |
| change in hello only | ${pipeline.oneService.toFixed(1)} | ${(pipeline.oneService / pipeline.everything).toFixed(2)} of the everything change |
| change in the service kit (every service) | ${pipeline.everything.toFixed(1)} | 1.00 |
| docs-only change (ships nothing; issue 13's target is 10 s) | ${pipeline.docsOnly.toFixed(1)} | ${(pipeline.docsOnly / pipeline.everything).toFixed(2)} of the everything change |

Where each run's time goes, in seconds per step (from the pipeline's own summary):

${stepTable(pipeline.steps)}

Each run includes starting the stand-ins (registry, s3rver, cache adapter), building the local base image,
the version step (nx release), the deploy step (cdk synth and template checks) and the smoke test through the
local gateway. The tools' and infra's own suites are left out of the clones' checks (they run in \`npm test\`).`
    : 'Not measured in this run: no Docker engine answered (`npm run docker:engine -- start`).'
}
`;
  const file = resolve(root, 'docs/benchmarks.md');
  // The scale section belongs to `npm run bench:scale`: rewriting the file keeps it as it was.
  const scale = existsSync(file) ? markedSection(readFileSync(file, 'utf8'), SCALE_SECTION) : undefined;
  writeFileSync(file, scale ? `${report}\n${scale}\n` : report);
  log('wrote docs/benchmarks.md');
  console.log(`\n${report}`);
}

runCli('bench', async () => {
  await main();
  return 0;
});
