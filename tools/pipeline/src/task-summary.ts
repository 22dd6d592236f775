/** What the checks ran, and where each task's result came from. */
export interface TaskSummary {
  tasks: number;
  ran: number;
  localHits: number;
  remoteHits: number;
  failed: string[];
}

// Nx prints one line per task: "> nx run <project>:<target>" plus a marker when it came from a cache.
const TASK_LINE = /^> nx run (\S+?)(?::\S+)?\s*(?:\[([^\]]+)\])?$/;

/** Counts tasks and where their results came from, from Nx's static output. */
export function summarizeTasks(lines: readonly string[]): TaskSummary {
  let tasks = 0;
  let localHits = 0;
  let remoteHits = 0;
  const failed: string[] = [];
  for (const line of lines) {
    const match = line.trim().match(TASK_LINE);
    if (match) {
      tasks += 1;
      const marker = match[2] ?? '';
      if (marker === 'remote cache') remoteHits += 1;
      else if (marker === 'local cache' || marker.startsWith('existing outputs match the cache')) localHits += 1;
    }
  }
  const failedAt = lines.findIndex((line) => line.trim() === 'Failed tasks:');
  if (failedAt >= 0) {
    for (const line of lines.slice(failedAt + 1)) {
      const task = line.trim().match(/^- (\S+)$/);
      if (task) failed.push(task[1]);
      else if (failed.length > 0 && line.trim() !== '') break;
    }
  }
  return { tasks, ran: tasks - localHits - remoteHits, localHits, remoteHits, failed };
}
