import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type Docker = (args: string[], options?: { timeoutMs?: number }) => Promise<string>;

/**
 * A docker CLI bound to one engine. BuildKit is off because Debian's engine has no buildx;
 * failures carry the command and the end of stderr so the cause is on screen. `configDir` points the CLI at
 * a config.json holding registry credentials (written by the caller), so no password is ever in argv.
 */
export function dockerCli(host: string, options: { configDir?: string } = {}): Docker {
  const config = options.configDir ? { DOCKER_CONFIG: options.configDir } : {};
  return async (args, options = {}) => {
    try {
      const { stdout } = await run('docker', args, {
        env: { ...process.env, ...config, DOCKER_HOST: host, DOCKER_BUILDKIT: '0', DOCKER_CLI_HINTS: 'false' },
        maxBuffer: 256 << 20,
        timeout: options.timeoutMs ?? 300_000,
      });
      return stdout.trim();
    } catch (error) {
      const stderr = String((error as { stderr?: string }).stderr ?? '')
        .trim()
        .split('\n')
        .slice(-8)
        .join('\n  ');
      throw new Error(`docker ${args.slice(0, 2).join(' ')} failed: ${stderr || (error as Error).message}`);
    }
  };
}
