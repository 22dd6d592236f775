import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { defaultEngineLayout, engineAnswers } from '@gantry/docker';
import { runCli } from '@gantry/process';
import { loadCatalog } from '@gantry/service-catalog';
import { affectedFigures } from './affected-bench';
import { innerLoopFigures } from './inner-loop';
import { SCALE_SECTION, withMarkedSection } from './marked-section';
import { pipelineAtSize, type SizeFigures } from './scale-pipeline';
import { figureRows, scaleSection } from './scale-report';
import { scaleSettings } from './scale-settings';

// `npm run bench:scale`: issue 13's scale figures, measured on temporary clones of this checkout's HEAD.
// A failed pipeline run fails the bench; a missed target is only reported.
const root = resolve(__dirname, '../../..');
/** The 1-minute load average at each progress line: how much else this machine ran meanwhile. */
const loads: number[] = [];
const log = (line: string) => {
  loads.push(loadavg()[0]);
  console.log(`[bench:scale] ${line}`);
};
/** Each size's registry port, 100 apart; its local gateway is 1000 above (sandboxEnv). */
const registryPort = (index: number) => 16_100 + 100 * index;

runCli('bench:scale', async () => {
  const started = performance.now();
  const existing = loadCatalog(root).length;
  const settings = scaleSettings(process.env, existing);
  const dockerHost = defaultEngineLayout(process.env, root).host;
  if (!(await engineAnswers(dockerHost)))
    throw new Error(`no Docker engine answers at ${dockerHost}: start one first (npm run docker:engine -- start)`);
  log(`sizes ${settings.sizes.join(', ')} services, ${settings.projects} projects, on ${cpus().length} cores`);

  const affected = await affectedFigures(root, settings.projects, log);
  const innerLoop = await innerLoopFigures(root, log);
  const sizes: SizeFigures[] = [];
  for (const [index, services] of settings.sizes.entries()) {
    log(`workspace of ${services} services`);
    sizes.push(
      await pipelineAtSize(root, services, registryPort(index), { existing, dockerHost, extras: index === 0, log }),
    );
  }

  const report = {
    date: new Date().toISOString().slice(0, 10),
    node: process.version,
    cores: cpus().length,
    loads,
    totalSeconds: (performance.now() - started) / 1000,
    sizes,
    affected,
    innerLoop,
  };
  const out = settings.out ?? resolve(root, 'docs/benchmarks.md');
  const previous = existsSync(out) ? readFileSync(out, 'utf8') : '';
  writeFileSync(out, withMarkedSection(previous, SCALE_SECTION, scaleSection(report)));
  console.log(`\n${scaleSection(report)}`);
  for (const row of figureRows(report)) log(`${row.figure}: ${row.measured} (goal ${row.goal}) ${row.verdict}`);
  log(`wrote ${out}`);
  log(`total ${((performance.now() - started) / 60_000).toFixed(1)} min`);
  return 0;
});
