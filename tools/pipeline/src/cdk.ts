import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** The infra app's CDK context (infra/cdk.json): the account, region and envName every deploy uses. */
export function infraContext(root: string): { account?: string; region?: string; envName?: string } {
  return (JSON.parse(readFileSync(join(root, 'infra/cdk.json'), 'utf8')) as { context?: Record<string, string> }).context ?? {};
}

/** Runs the workspace's CDK CLI in infra/, streaming each line to `onLine`; resolves with the exit code and the lines. */
export function runCdk(root: string, args: string[], env: NodeJS.ProcessEnv, onLine: (line: string) => void): Promise<{ code: number; lines: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'node_modules/aws-cdk/bin/cdk'), ...args], {
      cwd: join(root, 'infra'),
      env: { ...env, CDK_DISABLE_VERSION_CHECK: 'true', FORCE_COLOR: '0', CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
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

/** `-c image:<name>=<tag>` for each service: the stack runs that tag instead of the one recorded in SSM. */
export function imageContext(images: ReadonlyArray<{ service: string; tag: string }>): string[] {
  return images.flatMap(({ service, tag }) => ['-c', `image:${service}=${tag}`]);
}
