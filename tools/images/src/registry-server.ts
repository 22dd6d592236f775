import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { aptInstall, livePid } from '@gantry/docker-engine';

export const REGISTRY_BINARY = '/usr/bin/docker-registry';
export const DEFAULT_REGISTRY_PORT = 5000;

/** Where a private registry (the ECR stand-in) keeps its config, blobs, pid and log. */
export interface RegistryLayout {
  home: string;
  port: number;
  /** host:port as image references spell it, e.g. 127.0.0.1:5000. */
  address: string;
  url: string;
  configFile: string;
  storageDir: string;
  pidFile: string;
  logFile: string;
}

export function registryLayout(home: string, port = DEFAULT_REGISTRY_PORT): RegistryLayout {
  const address = `127.0.0.1:${port}`;
  return {
    home,
    port,
    address,
    url: `http://${address}`,
    configFile: join(home, 'config.yml'),
    storageDir: join(home, 'storage'),
    pidFile: join(home, 'registry.pid'),
    logFile: join(home, 'registry.log'),
  };
}

/** The registry's home: GANTRY_REGISTRY_HOME, else .gantry/registry in the workspace (git-ignored). */
export function defaultRegistryLayout(env: NodeJS.ProcessEnv = process.env, workspaceRoot = process.cwd()): RegistryLayout {
  const port = env['GANTRY_REGISTRY_PORT'] ? Number(env['GANTRY_REGISTRY_PORT']) : DEFAULT_REGISTRY_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`GANTRY_REGISTRY_PORT must be a port number (1-65535), got "${env['GANTRY_REGISTRY_PORT']}"`);
  }
  return registryLayout(resolve(env['GANTRY_REGISTRY_HOME'] ?? resolve(workspaceRoot, '.gantry/registry')), port);
}

/**
 * The distribution registry's config: loopback only, filesystem storage in its own home, no deletes
 * (tags are immutable here as in ECR), and no upload purging or debug server.
 */
export function registryConfig(layout: RegistryLayout): string {
  return [
    'version: 0.1',
    'log:',
    '  level: info',
    '  formatter: text',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${JSON.stringify(layout.storageDir)}`,
    '  delete:',
    '    enabled: false',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: ${layout.address}`,
    '  headers:',
    '    X-Content-Type-Options: [nosniff]',
    '',
  ].join('\n');
}

/** True when the registry at `url` answers the v2 API check (200, or 401 when it wants credentials). */
export async function registryAnswers(url: string, timeoutMs = 2_000): Promise<boolean> {
  try {
    const response = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return response.status === 200 || response.status === 401;
  } catch {
    return false;
  }
}

/** Installs Debian's docker-registry when its binary is missing (root only, like the engine's docker.io). */
export function ensureRegistryInstalled(log: (line: string) => void, binary = REGISTRY_BINARY): Promise<void> {
  return aptInstall(binary, ['docker-registry'], log);
}

/** Starts the registry (or reuses the one already serving this home) and waits until GET /v2/ answers. */
export async function startRegistry(
  layout: RegistryLayout,
  log: (line: string) => void,
  options: { timeoutMs?: number; binary?: string } = {},
): Promise<number> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const running = livePid(layout.pidFile, layout.configFile);
  if (running && (await registryAnswers(layout.url))) {
    log(`registry already running (pid ${running}) at ${layout.url}`);
    return running;
  }
  if (running) {
    throw new Error(`registry pid ${running} from ${layout.pidFile} is alive but ${layout.url}/v2/ does not answer; stop it first`);
  }
  if (await registryAnswers(layout.url)) {
    throw new Error(`something else already answers at ${layout.url}/v2/; pick another port (GANTRY_REGISTRY_PORT)`);
  }
  const binary = options.binary ?? REGISTRY_BINARY;
  await ensureRegistryInstalled(log, binary);
  mkdirSync(layout.storageDir, { recursive: true });
  writeFileSync(layout.configFile, registryConfig(layout));
  rmSync(layout.pidFile, { force: true });
  const out = openSync(layout.logFile, 'a');
  const child = spawn(binary, ['serve', layout.configFile], { detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  child.unref();
  const spawnError = new Promise<Error>((done) => child.once('error', done));
  if (child.pid === undefined) throw await spawnError;
  writeFileSync(layout.pidFile, `${child.pid}\n`);
  log(`starting docker-registry (pid ${child.pid}) at ${layout.url}, log: ${layout.logFile}`);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    if (await registryAnswers(layout.url)) return child.pid;
    await new Promise((done) => setTimeout(done, 200));
  }
  if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
  rmSync(layout.pidFile, { force: true });
  const tail = readFileSync(layout.logFile, 'utf8').trim().split('\n').slice(-5).join('\n  ');
  throw new Error(`docker-registry did not answer ${layout.url}/v2/ within ${timeoutMs / 1000}s; last log lines:\n  ${tail}`);
}

/** Stops the registry by the pid it recorded; SIGKILLs it after `graceMs`. */
export async function stopRegistry(layout: RegistryLayout, log: (line: string) => void, graceMs = 10_000): Promise<void> {
  const pid = livePid(layout.pidFile, layout.configFile);
  if (!pid) {
    rmSync(layout.pidFile, { force: true });
    log('registry is not running');
    return;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && livePid(layout.pidFile, layout.configFile) === pid) {
    await new Promise((done) => setTimeout(done, 100));
  }
  if (livePid(layout.pidFile, layout.configFile) === pid) {
    log(`docker-registry (pid ${pid}) ignored SIGTERM for ${graceMs / 1000}s: killing it`);
    process.kill(pid, 'SIGKILL');
  }
  rmSync(layout.pidFile, { force: true });
  log(`registry stopped (pid ${pid})`);
}
