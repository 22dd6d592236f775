import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface LinesResult {
  code: number;
  lines: string[];
}

/** Runs a command, streaming each stdout and stderr line to `onLine`; resolves with the exit code and every line. */
export function runLines(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
  onLine: (line: string) => void = () => undefined,
): Promise<LinesResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        lines.push(line);
        onLine(line);
      });
    }
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? 1, lines }));
  });
}
