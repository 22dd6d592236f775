import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { sleep, waitUntil } from '@gantry/process';

/** The pids still running (not zombies) in process group `group`, from /proc. */
export function liveInGroup(group: number): number[] {
  const live: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // After the command name in parentheses: state, ppid, pgrp.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === group && state !== 'Z' && state !== 'X') live.push(Number(entry));
  }
  return live;
}

/** A command in its own process group, each output line timestamped from its spawn. */
export interface GroupRun {
  child: ChildProcess;
  started: number;
  lines: Array<{ at: number; line: string }>;
  exited: Promise<number | null>;
}

export function spawnGroup(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): GroupRun {
  const started = performance.now();
  // A group of its own, so one signal reaches npm, the shell, tsx, the platform and every service.
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: GroupRun['lines'] = [];
  for (const stream of [child.stdout, child.stderr])
    createInterface({ input: stream }).on('line', (line) => lines.push({ at: performance.now() - started, line }));
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });
  return { child, started, lines, exited };
}

/**
 * SIGTERM to the whole group, then waits until none of it runs; whatever still runs after `graceMs` is
 * killed and reported, because a dev server that leaves children behind is a bug. Returns the seconds taken.
 */
export async function stopGroup(run: GroupRun, graceMs = 15_000): Promise<number> {
  const group = run.child.pid as number;
  const started = performance.now();
  try {
    process.kill(-group, 'SIGTERM');
  } catch {
    // The group is gone already.
  }
  const gone = await waitUntil(() => liveInGroup(group).length === 0, { timeoutMs: graceMs, intervalMs: 50 });
  if (!gone) {
    const left = liveInGroup(group);
    for (const pid of left) process.kill(pid, 'SIGKILL');
    await sleep(100);
    throw new Error(`processes ${left.join(', ')} were still running ${graceMs / 1000} s after SIGTERM; killed them`);
  }
  await run.exited;
  return (performance.now() - started) / 1000;
}
