import type { AffectedFigures } from './affected-bench';
import type { InnerLoopFigures } from './inner-loop';
import { IRREDUCIBLE_TASKS } from './irreducible';
import { median } from './measure';
import type { SizeFigures } from './scale-pipeline';
import { stepTable } from './step-table';

/** A target from issue 13: the figure must stay at or under (`≤`) or under (`<`) the limit. */
export interface Goal {
  op: '≤' | '<';
  limit: number;
  unit: '×' | ' s';
}

export const GOALS = {
  oneServiceGrowth: { op: '≤', limit: 1.15, unit: '×' },
  docsOnly: { op: '≤', limit: 10, unit: ' s' },
  overhead: { op: '≤', limit: 1.5, unit: '×' },
  warmFreshClone: { op: '≤', limit: 0.15, unit: '×' },
  affected: { op: '<', limit: 2, unit: ' s' },
  innerLoop: { op: '<', limit: 3, unit: ' s' },
} satisfies Record<string, Goal>;

export function meets(value: number, goal: Goal): boolean {
  return goal.op === '≤' ? value <= goal.limit : value < goal.limit;
}

export interface FigureRow {
  figure: string;
  measured: string;
  goal: string;
  verdict: 'met' | '**missed**';
}

function row(figure: string, value: number, measured: string, goal: Goal): FigureRow {
  return {
    figure,
    measured,
    goal: `${goal.op} ${goal.limit}${goal.unit}`,
    verdict: meets(value, goal) ? 'met' : '**missed**',
  };
}

export interface ScaleReport {
  date: string;
  node: string;
  cores: number;
  /** The 1-minute load average sampled through the run. */
  loads: number[];
  totalSeconds: number;
  sizes: SizeFigures[];
  affected: AffectedFigures;
  innerLoop: InnerLoopFigures;
}

const s = (seconds: number) => `${seconds.toFixed(1)} s`;
const irreducibleTotal = (work: NonNullable<SizeFigures['irreducible']>) => work.tasks + work.image + work.synth;

/** Each measured figure beside its goal. */
export function figureRows(report: ScaleReport): FigureRow[] {
  const [smallest] = report.sizes;
  const rows: FigureRow[] = [];
  for (const size of report.sizes.slice(1)) {
    const ratio = size.oneService / smallest.oneService;
    rows.push(
      row(
        `one-service change, ${size.services} services ÷ ${smallest.services}`,
        ratio,
        `${ratio.toFixed(2)}× (${s(size.oneService)} ÷ ${s(smallest.oneService)})`,
        GOALS.oneServiceGrowth,
      ),
    );
  }
  for (const size of report.sizes)
    rows.push(row(`docs-only change, ${size.services} services`, size.docsOnly, s(size.docsOnly), GOALS.docsOnly));
  if (smallest.irreducible) {
    const ratio = smallest.oneService / irreducibleTotal(smallest.irreducible);
    rows.push(
      row(
        `one-service change ÷ its irreducible work, ${smallest.services} services`,
        ratio,
        `${ratio.toFixed(2)}× (${s(smallest.oneService)} ÷ ${s(irreducibleTotal(smallest.irreducible))})`,
        GOALS.overhead,
      ),
    );
  }
  if (smallest.warmFreshClone) {
    const ratio = smallest.warmFreshClone.seconds / smallest.cold;
    rows.push(
      row(
        `fresh clone with a warm remote cache ÷ cold, ${smallest.services} services`,
        ratio,
        `${ratio.toFixed(2)}× (${s(smallest.warmFreshClone.seconds)} ÷ ${s(smallest.cold)}; ${smallest.warmFreshClone.remoteHits}/${smallest.warmFreshClone.tasks} tasks from S3)`,
        GOALS.warmFreshClone,
      ),
    );
  }
  const { affected, innerLoop } = report;
  rows.push(
    row(
      `\`nx show projects --affected\`, ${affected.projects} projects (median of ${affected.warmSeconds.length})`,
      affected.medianSeconds,
      `${affected.medianSeconds.toFixed(2)} s`,
      GOALS.affected,
    ),
  );
  const start = median(innerLoop.starts);
  rows.push(
    row(
      `\`npm start\` on a built tree until every service answers (median of ${innerLoop.starts.length})`,
      start,
      `${start.toFixed(2)} s`,
      GOALS.innerLoop,
    ),
  );
  return rows;
}

const table = (header: string[], rows: string[][]) =>
  [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');

function pipelineText(report: ScaleReport): string {
  const steps = new Map(report.sizes.flatMap((size) => [...size.steps]));
  const runs = table(
    ['services', 'made with the generator', 'cold first run', 'one-service change (hello)', 'docs-only change'],
    report.sizes.map((size) => [
      String(size.services),
      size.generated === 0 ? 'none' : `${size.generated} in ${s(size.generateSeconds)}`,
      s(size.cold),
      s(size.oneService),
      s(size.docsOnly),
    ]),
  );
  return `### Pipeline runs by workspace size

Each size is a clone of the repo grown with \`nx g @gantry/plugin:service\` (one call per service, committed in
one commit) with its own stand-ins and an empty remote cache. Its first run builds and ships everything; then
\`fix(hello)\` in \`apps/hello/src/routes.ts\`, then a README change.

${runs}

Seconds per step (from each run's own summary):

${stepTable(steps)}`;
}

function irreducibleText(size: SizeFigures): string {
  const work = size.irreducible;
  if (!work) return '';
  return `### The one-service change against its irreducible work (${size.services} services)

Measured in the same clone right after the pipeline's run, each part alone:

${table(
  ['part', 'seconds'],
  [
    [
      `hello's own ${IRREDUCIBLE_TASKS.join(', ')}: \`nx run-many -t ${IRREDUCIBLE_TASKS.join(' ')} --projects=hello --skip-nx-cache --excludeTaskDependencies\``,
      work.tasks.toFixed(1),
    ],
    [
      "one build of hello's image (`buildImage`, classic builder on this engine) and its push to the sandbox registry (`publishImage`)",
      work.image.toFixed(1),
    ],
    ["`cdk synth -c services=hello` with hello's new digest pinned (`runCdk`)", work.synth.toFixed(1)],
    ['**irreducible total**', irreducibleTotal(work).toFixed(1)],
    ["the pipeline's one-service run", size.oneService.toFixed(1)],
  ],
)}`;
}

function affectedText(affected: AffectedFigures): string {
  return `### \`nx show projects --affected\` on ${affected.projects} projects

A temporary git repository of ${affected.projects} small npm-workspace projects (most import one or two others),
with this repo's Nx, Nx plugins (TypeScript, eslint, jest, each project having their files), lock file and
node_modules. One file of \`${affected.changed}\` changes in the last commit; Nx must list it and the
${affected.affected - 1} projects that import it, directly or not (checked).
\`nx show projects --affected --base=HEAD~1 --head=HEAD\` with \`NX_DAEMON=false\`: the first run (no project
graph yet) took ${affected.coldSeconds.toFixed(2)} s; the three after it ${affected.warmSeconds.map((t) => t.toFixed(2)).join(', ')} s.`;
}

function innerLoopText(loop: InnerLoopFigures): string {
  const list = (values: number[]) => `${median(values).toFixed(2)} (${values.map((t) => t.toFixed(2)).join(', ')})`;
  const starts = median(loop.starts);
  const buildPart = median(loop.buildPartOfStart);
  return `### The inner loop: \`npm start\` on a built tree (${loop.services} services)

A clone where a first \`npm start\` built everything (${s(loop.firstStart)}); then \`npm start\` again, from spawning
npm until every service answers \`/<name>/ready\` through the gateway, then SIGTERM to its process group
(every process gone after at most ${Math.max(...loop.stops).toFixed(2)} s). The script is \`${loop.script}\`; each
step also ran alone. Nx runs without its daemon, with the clone's own cache. Seconds, median (each run):

${table(
  ['run', 'seconds'],
  [
    ['`npm start`, until every service answers', list(loop.starts)],
    ['… of which npm and the build step (until its last line)', list(loop.buildPartOfStart)],
    ['… of which the platform step (tsx, the services, the gateway)', (starts - buildPart).toFixed(2)],
    ['the build step alone, until it exits', list(loop.builds)],
    ['the platform step alone, until every service answers', list(loop.platforms)],
  ],
)}`;
}

/** The whole section, in markdown. */
export function scaleSection(report: ScaleReport): string {
  const [smallest] = report.sizes;
  const head = `## Scale: the pipeline, \`nx affected\` and \`npm start\` as the workspace grows

Written by \`npm run bench:scale\` on ${report.date} (Node ${report.node}, ${report.cores} cores), one run each,
side by side, on temporary clones; the whole run took ${(report.totalSeconds / 60).toFixed(1)} min. Settings:
\`BENCH_SCALE_SERVICES=${report.sizes.map((size) => size.services).join(',')} BENCH_SCALE_PROJECTS=${report.affected.projects}\`
(\`BENCH_SCALE_OUT=<file>\` writes this section there instead of here). The 1-minute load average through the
run: median ${median(report.loads).toFixed(1)}, at most ${Math.max(...report.loads).toFixed(1)}, on ${report.cores} cores (above ${report.cores}, other work shared the machine).

${table(
  ['figure', 'measured', 'goal', ''],
  figureRows(report).map((r) => [r.figure, r.measured, r.goal, r.verdict]),
)}`;
  const parts = [
    head,
    pipelineText(report),
    irreducibleText(smallest),
    affectedText(report.affected),
    innerLoopText(report.innerLoop),
  ];
  return `${parts.filter(Boolean).join('\n\n')}\n`;
}
