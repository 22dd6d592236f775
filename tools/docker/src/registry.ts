import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { livePid, startDaemon, stopDaemon, type DaemonSpec } from '@gantry/process';
import { aptInstall } from './apt';

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
export function defaultRegistryLayout(
  env: NodeJS.ProcessEnv = process.env,
  workspaceRoot = process.cwd(),
): RegistryLayout {
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

function registryDaemon(layout: RegistryLayout, binary = REGISTRY_BINARY): DaemonSpec {
  return {
    name: 'docker-registry',
    command: binary,
    args: ['serve', layout.configFile],
    pidFile: layout.pidFile,
    logFile: layout.logFile,
    mustMention: layout.configFile,
    ready: () => registryAnswers(layout.url),
  };
}

/** Starts the registry (installing Debian's docker-registry when missing), or reuses the one serving this home. */
export async function startRegistry(
  layout: RegistryLayout,
  log: (line: string) => void,
  options: { timeoutMs?: number; binary?: string } = {},
): Promise<number> {
  const binary = options.binary ?? REGISTRY_BINARY;
  const daemon = registryDaemon(layout, binary);
  // Another program on the port would answer the readiness check in place of ours.
  if (!livePid(layout.pidFile, layout.configFile) && (await registryAnswers(layout.url))) {
    throw new Error(`something else already answers at ${layout.url}/v2/; pick another port (GANTRY_REGISTRY_PORT)`);
  }
  await aptInstall(binary, ['docker-registry'], log);
  mkdirSync(layout.storageDir, { recursive: true });
  writeFileSync(layout.configFile, registryConfig(layout));
  const pid = await startDaemon(daemon, log, options.timeoutMs ?? 30_000);
  log(`registry serving at ${layout.url}`);
  return pid;
}

/** Stops the registry by the pid it recorded. */
export async function stopRegistry(
  layout: RegistryLayout,
  log: (line: string) => void,
  graceMs = 10_000,
): Promise<void> {
  await stopDaemon(registryDaemon(layout), log, graceMs);
}
