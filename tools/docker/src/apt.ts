import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Installs Debian `packages` when `binary` is missing; as root only, else says the command to run. */
export async function aptInstall(binary: string, packages: string[], log: (line: string) => void): Promise<void> {
  if (existsSync(binary)) return;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `${binary} is not installed and this is not root: run \`sudo apt-get install -y ${packages.join(' ')}\``,
    );
  }
  log(`${binary} not found: installing Debian ${packages.join(', ')} (apt-get)…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['update', '-qq'], { env, maxBuffer: 64 << 20 });
  await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { env, maxBuffer: 64 << 20 });
  if (!existsSync(binary)) throw new Error(`apt-get installed ${packages.join(', ')} but ${binary} is still missing`);
}
