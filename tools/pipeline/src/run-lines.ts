import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Runs a Node CLI script, streaming each output line to `onLine`; resolves with the exit code and every line. */
export function runLines(script: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }, onLine: (line: string) => void): Promise<{ code: number; lines: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
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
