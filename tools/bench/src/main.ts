import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { startPlatform } from '@gantry/local-platform';
import { runCli } from '@gantry/process';
import { bundlePath } from '@gantry/service-catalog';
import { load, median, memoryOf, startServer, stopServer } from './measure';
import { pipelineFigures } from './pipeline-bench';
import { pluginCosts } from './plugin-cost';

// Every figure is a ratio against a baseline measured in the same run, because this machine is noisy.
const root = resolve(__dirname, '../../..');
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5);
const CONNECTIONS = 50;
const log = (line: string) => console.log(`[bench] ${line}`);

interface Variant {
  label: string;
  args: string[];
  env: Record<string, string>;
  path: string;
}

const variants: Variant[] = [
  {
    label: 'bare Fastify hello-world',
    args: ['--import', 'tsx', resolve(__dirname, 'bare-server.ts')],
    env: { PORT: '4101' },
    path: 'http://127.0.0.1:4101/hello',
  },
  {
    label: 'hello on the service kit (LOG_LEVEL=info, a log line per request)',
    args: [resolve(root, bundlePath('hello'))],
    env: { PORT: '4102', METRICS_PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', MAX_EVENT_LOOP_DELAY_MS: '0' },
    path: 'http://127.0.0.1:4102/hello',
  },
  {
    label: 'hello on the service kit (LOG_LEVEL=warn)',
    args: [resolve(root, bundlePath('hello'))],
    env: { PORT: '4103', METRICS_PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', MAX_EVENT_LOOP_DELAY_MS: '0' },
    path: 'http://127.0.0.1:4103/hello',
  },
];

async function throughput() {
  const samples = variants.map(() => ({
    rps: [] as number[],
    p99: [] as number[],
    rss: [] as number[],
    start: [] as number[],
  }));
  for (let round = 1; round <= ROUNDS; round += 1) {
    // Alternate the order each round so drift on the machine does not favour one variant.
    const order = round % 2 ? variants : [...variants].reverse();
    for (const variant of order) {
      const { server, startMs } = await startServer(variant.args, variant.env, variant.path);
      await load(variant.path, 1, CONNECTIONS); // warm-up
      const result = await load(variant.path, SECONDS, CONNECTIONS);
      const memory = memoryOf(server.child.pid as number);
      await stopServer(server);
      if (result.errors > 0) throw new Error(`${variant.label}: ${result.errors} failed requests`);
      const sample = samples[variants.indexOf(variant)];
      sample.rps.push(result.rps);
      sample.p99.push(result.p99);
      sample.rss.push(memory.rssMb);
      sample.start.push(startMs);
      log(
        `round ${round} ${variant.label}: ${result.rps.toFixed(0)} req/s, p99 ${result.p99} ms, RSS ${memory.rssMb.toFixed(1)} MB, start ${startMs.toFixed(0)} ms`,
      );
    }
  }
  return samples;
}

async function platformStart(): Promise<number[]> {
  const times: number[] = [];
  for (let round = 1; round <= ROUNDS; round += 1) {
    const started = performance.now();
    const platform = await startPlatform({
      workspaceRoot: root,
      gatewayPort: 0,
      portOffset: 30_000,
      env: { PATH: process.env['PATH'], LOG_LEVEL: 'warn' },
    });
    times.push(performance.now() - started);
    await platform.stop();
    log(`round ${round} platform: all services ready in ${times.at(-1)?.toFixed(0)} ms`);
  }
  return times;
}

async function main() {
  log(`${ROUNDS} rounds, ${SECONDS} s of load at ${CONNECTIONS} connections each, on ${cpus().length} cores`);
  const samples = await throughput();
  const costs = await pluginCosts(SECONDS, ROUNDS, log);
  const platform = await platformStart();
  const pipeline = await pipelineFigures(root, log);
  const base = samples[0];
  const rows = variants.map((variant, index) => {
    const s = samples[index];
    const cells = [
      variant.label,
      median(s.rps).toFixed(0),
      (median(s.rps) / median(base.rps)).toFixed(2),
      median(s.p99).toFixed(0),
      median(s.rss).toFixed(1),
      (median(s.rss) / median(base.rss)).toFixed(2),
      median(s.start).toFixed(0),
    ];
    return `| ${cells.join(' | ')} |`;
  });
  const report = `# Benchmarks

Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)} (Node ${process.version}, ${cpus().length} cores).
Each server runs in its own process on 127.0.0.1; autocannon runs in the bench process with ${CONNECTIONS} connections for
${SECONDS} s per round, after a 1 s warm-up, over ${ROUNDS} rounds in alternating order. Figures are medians; ratios
compare with the bare Fastify hello-world measured in the same run, because this machine is noisy.

## \`GET /hello\`: the service kit against bare Fastify

| server | req/s | ratio | p99 ms | RSS after load MB | RSS ratio | start to ready ms |
| --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}

The kit adds, per request: request-id generation and echo, helmet's headers, under-pressure's check,
route metrics (a histogram observation), and one JSON access log line at \`info\`.

### Where the cost is: one kit concern at a time on a bare hello-world

Server and autocannon share one process here, so absolute figures are lower than above; compare the ratios.

| variant | req/s | ratio to bare |
| --- | --- | --- |
${[...costs.entries()].map(([label, rps]) => `| ${label} | ${median(rps).toFixed(0)} | ${(median(rps) / median(costs.get('bare') ?? [1])).toFixed(2)} |`).join('\n')}

## Local platform start

From \`startPlatform()\` to every service answering \`/<name>/ready\` (bundles already built): median
${median(platform).toFixed(0)} ms over ${platform.length} runs (${platform.map((t) => t.toFixed(0)).join(', ')} ms).

## Pipeline wall time (\`npm run pipeline\` steps on temporary clones, one run each, side by side)

${
  pipeline
    ? `| run | seconds | ratio |
| --- | --- | --- |
| cold first run (empty caches, builds everything) | ${pipeline.cold.toFixed(1)} | 1.00 |
| fresh clone of the same commit, warm remote cache (${pipeline.remoteHits} tasks from S3) | ${pipeline.warmFreshClone.toFixed(1)} | ${(pipeline.warmFreshClone / pipeline.cold).toFixed(2)} |
| change in hello only | ${pipeline.oneService.toFixed(1)} | ${(pipeline.oneService / pipeline.everything).toFixed(2)} of the everything change |
| change in the service kit (every service) | ${pipeline.everything.toFixed(1)} | 1.00 |

Each run includes starting the stand-ins (registry, s3rver, cache adapter), building the local base image,
the version step (nx release), the deploy step (cdk synth and template checks) and the smoke test through the
local gateway. The tools' and infra's own suites are left out of the clones' checks (they run in \`npm test\`).`
    : 'Not measured in this run: no Docker engine answered (`npm run docker:engine -- start`).'
}
`;
  writeFileSync(resolve(root, 'docs/benchmarks.md'), report);
  log('wrote docs/benchmarks.md');
  console.log(`\n${report}`);
}

runCli('bench', async () => {
  await main();
  return 0;
});
