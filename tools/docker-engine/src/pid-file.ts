import { existsSync, readFileSync } from 'node:fs';

/**
 * The pid in a pid file when that process is alive and (with `mustMention`) is ours: not a zombie,
 * not a pid the kernel has since given to another program.
 */
export function livePid(pidFile: string, mustMention?: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
  } catch {
    return undefined;
  }
  try {
    // Field 3 of /proc/<pid>/stat is the state; a zombie (Z) or dead (X) process has exited already.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    if (state === 'Z' || state === 'X') return undefined;
    if (mustMention && !readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(mustMention)) return undefined;
  } catch {
    // No /proc (not Linux): kill(pid, 0) is all we can tell.
  }
  return pid;
}
