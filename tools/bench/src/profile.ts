import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fire, startServer } from './measure';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
}

/** Where a sample's time goes: an npm package, a workspace file, a Node subsystem or a V8/native activity. */
export function areaOf(frame: ProfileNode['callFrame'], workspaceRoot: string): string {
  const { url, functionName } = frame;
  if (!url) return functionName ? `(${functionName.replace(/^\(|\)$/g, '')})` : '(native)';
  const pkg = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return `node:${url.replace(/^node:(internal\/)?/, '').split('/')[0]}`;
  const path = url.replace(/^file:\/\//, '');
  return path.startsWith(workspaceRoot) ? path.slice(workspaceRoot.length + 1) : path;
}

/** Self time per area, in microseconds, of the samples taken between `from` and `to` (monotonic µs). */
export function selfTimeByArea(
  profile: CpuProfile,
  from: number,
  to: number,
  workspaceRoot: string,
): Map<string, number> {
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const areas = new Map<string, number>();
  let time = profile.startTime;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    time += delta;
    if (time < from || time > to) return;
    const frame = frames.get(id);
    if (frame === undefined || frame.functionName === '(idle)') return;
    const area = areaOf(frame, workspaceRoot);
    areas.set(area, (areas.get(area) ?? 0) + delta);
  });
  return areas;
}

const monotonicMicros = (): number => Number(process.hrtime.bigint() / 1000n);

/**
 * Profiles a server with `--cpu-prof` over `amount` requests after a warm-up and returns its self time per
 * request by area, largest first. Run from source (not the bundle), so the time can be put on packages.
 */
export async function profileServer(options: {
  workspaceRoot: string;
  args: string[];
  env: Record<string, string>;
  url: string;
  amount: number;
  connections: number;
}): Promise<Array<{ area: string; microsPerRequest: number }>> {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-profile-'));
  try {
    const { server } = await startServer(
      ['--cpu-prof', '--cpu-prof-interval', '100', '--cpu-prof-dir', dir, ...options.args],
      options.env,
      options.url,
    );
    await fire(options.url, Math.min(5_000, options.amount), options.connections);
    const from = monotonicMicros();
    await fire(options.url, options.amount, options.connections);
    const to = monotonicMicros();
    // A graceful exit writes the profile; SIGKILL would lose it.
    const exited = new Promise((resolve) => server.child.once('exit', resolve));
    server.child.kill('SIGTERM');
    await exited;
    const [file] = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'));
    if (file === undefined) throw new Error(`the profiled server wrote no .cpuprofile to ${dir}`);
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    const areas = selfTimeByArea(profile, from, to, options.workspaceRoot);
    if (areas.size === 0) throw new Error('no profile samples fell inside the load window');
    return [...areas]
      .map(([area, micros]) => ({ area, microsPerRequest: micros / options.amount }))
      .sort((a, b) => b.microsPerRequest - a.microsPerRequest);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
