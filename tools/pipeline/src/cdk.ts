import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLines, type LinesResult } from '@gantry/process';

/** The infra app's CDK context (infra/cdk.json): the account, region and envName every deploy uses. */
export function infraContext(root: string): { account?: string; region?: string; envName?: string } {
  return (
    (JSON.parse(readFileSync(join(root, 'infra/cdk.json'), 'utf8')) as { context?: Record<string, string> }).context ??
    {}
  );
}

/** Runs the workspace's CDK CLI in infra/, streaming each line to `onLine`. */
export function runCdk(
  root: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  onLine?: (line: string) => void,
): Promise<LinesResult> {
  const cdkEnv = { ...env, CDK_DISABLE_VERSION_CHECK: 'true', FORCE_COLOR: '0', CI: 'true' };
  return runLines(
    process.execPath,
    [join(root, 'node_modules/aws-cdk/bin/cdk'), ...args],
    { cwd: join(root, 'infra'), env: cdkEnv },
    onLine,
  );
}

/** `-c image:<name>=<version>@<digest>` for each service: the stack runs that image instead of the one recorded in SSM. */
export function imageContext(images: ReadonlyArray<{ service: string; image: string }>): string[] {
  return images.flatMap(({ service, image }) => ['-c', `image:${service}=${image}`]);
}
