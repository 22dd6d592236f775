import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { freePort, waitUntil } from '@gantry/process';
import { cloneWorkspace } from '@gantry/process/testing';
import { loadCatalog } from '@gantry/service-catalog';
import { spawnGroup, stopGroup, type GroupRun } from './process-group';

export interface InnerLoopFigures {
  services: number;
  script: string;
  /** The first `npm start` in the clone, which builds every service. */
  firstStart: number;
  /** `npm start` on the built, unchanged tree: spawn until every service answers through the gateway. */
  starts: number[];
  /** Within each of those: spawn until the build step's last line (npm's own start included). */
  buildPartOfStart: number[];
  /** The script's parts run alone: the build until it exits, the platform until every service answers. */
  builds: number[];
  platforms: number[];
  /** SIGTERM to the group until every process of it exited. */
  stops: number[];
}

const ROUNDS = 3;
/** Keeps the services' ports clear of a developer's `npm start` and of the ephemeral range. */
const PORT_OFFSET = 20_000;

/** The commands of an npm script made of `a && b` steps, in order. */
export function scriptSteps(script: string): string[] {
  return script
    .split('&&')
    .map((step) => step.trim())
    .filter(Boolean);
}

/**
 * Milliseconds from spawn until the build step's last line: the line before the platform's first
 * (`gantry: starting services…`). Undefined when the platform printed nothing yet.
 */
export function buildStepEnd(lines: ReadonlyArray<{ at: number; line: string }>): number | undefined {
  const platform = lines.findIndex(({ line }) => line.startsWith('gantry: '));
  return platform > 0 ? lines[platform - 1].at : undefined;
}

/**
 * The inner loop a developer waits for: `npm start` on an unchanged tree that an earlier `npm start` built,
 * until every service answers `/<name>/ready` through the gateway, then SIGTERM. Its two parts (the Nx build
 * and the platform) are also run alone. Runs in a clone with its own Nx cache and no Nx daemon.
 */
export async function innerLoopFigures(source: string, log: (line: string) => void): Promise<InnerLoopFigures> {
  const clone = cloneWorkspace(source, 'bench-start');
  try {
    const root = clone.root;
    const script = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
      .scripts['start'];
    const [buildStep, platformStep, ...rest] = scriptSteps(script);
    if (!platformStep || rest.length > 0)
      throw new Error(`expected "npm start" to be "<build> && <platform>", got: ${script}`);
    const entries = loadCatalog(root);
    const gatewayPort = await freePort();
    const env = {
      ...process.env,
      PATH: `${join(root, 'node_modules/.bin')}:${process.env['PATH']}`,
      NX_DAEMON: 'false',
      NX_TUI: 'false',
      NX_NO_CLOUD: 'true',
      NX_CACHE_DIRECTORY: join(root, '.nx/cache'),
      GANTRY_GATEWAY_PORT: String(gatewayPort),
      GANTRY_PORT_OFFSET: String(PORT_OFFSET),
    };
    const answering = () =>
      Promise.all(
        entries.map((entry) =>
          fetch(`http://127.0.0.1:${gatewayPort}${entry.prefix}/ready`, { signal: AbortSignal.timeout(1_000) }).then(
            (response) => response.status === 200,
            () => false,
          ),
        ),
      ).then((all) => all.every(Boolean));
    const untilServing = async (run: GroupRun, label: string): Promise<number> => {
      const served = await waitUntil(
        async () => (await answering()) || (run.child.exitCode !== null ? 'exited' : false),
        { timeoutMs: 180_000, intervalMs: 20 },
      );
      const seconds = (performance.now() - run.started) / 1000;
      if (served !== true) {
        await stopGroup(run).catch(() => undefined);
        const tail = run.lines.slice(-15).map(({ line }) => line);
        throw new Error(`${label}: the services never all answered through the gateway:\n${tail.join('\n')}`);
      }
      return seconds;
    };

    const first = spawnGroup('npm', ['start'], root, env);
    const firstStart = await untilServing(first, 'first npm start');
    await stopGroup(first);
    log(`inner loop: first npm start (builds ${entries.length} services) ${firstStart.toFixed(1)} s`);

    const figures: InnerLoopFigures = {
      services: entries.length,
      script,
      firstStart,
      starts: [],
      buildPartOfStart: [],
      builds: [],
      platforms: [],
      stops: [],
    };
    for (let round = 1; round <= ROUNDS; round += 1) {
      const start = spawnGroup('npm', ['start'], root, env);
      figures.starts.push(await untilServing(start, 'npm start'));
      figures.buildPartOfStart.push((buildStepEnd(start.lines) ?? Number.NaN) / 1000);
      figures.stops.push(await stopGroup(start));

      const build = spawnGroup('sh', ['-c', buildStep], root, env);
      const code = await build.exited;
      if (code !== 0) throw new Error(`${buildStep} failed:\n${build.lines.map(({ line }) => line).join('\n')}`);
      figures.builds.push((performance.now() - build.started) / 1000);

      const platform = spawnGroup('sh', ['-c', platformStep], root, env);
      figures.platforms.push(await untilServing(platform, platformStep));
      await stopGroup(platform);
      log(
        `inner loop round ${round}: npm start ${figures.starts.at(-1)?.toFixed(2)} s; alone, build ${figures.builds.at(-1)?.toFixed(2)} s and platform ${figures.platforms.at(-1)?.toFixed(2)} s`,
      );
    }
    return figures;
  } finally {
    rmSync(dirname(clone.root), { recursive: true, force: true });
  }
}
