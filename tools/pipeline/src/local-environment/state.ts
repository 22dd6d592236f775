import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { GatewayRoute } from '@gantry/local-platform';

/** One service running in the local environment. */
export interface LocalService {
  version: string;
  digest: string;
  /** The pulled reference, `<registry>/<repository>@<digest>`. */
  image: string;
  container: string;
  /** Where the container listens on loopback; the gateway forwards here. */
  url: string;
  prefix: string;
  priority: number;
  /** During a blue/green deploy: the new version, which only the test route reaches until its checks pass. */
  next?: Pick<LocalService, 'version' | 'digest' | 'image' | 'container' | 'url'>;
}

export interface LocalState {
  services: Record<string, LocalService>;
}

/** Where the local ECS and ALB stand-in keeps its state and its gateway daemon. */
export interface LocalLayout {
  dir: string;
  stateFile: string;
  pidFile: string;
  logFile: string;
  port: number;
  url: string;
}

/** `<stateHome>/local-env`, with the gateway on GANTRY_LOCAL_ALB_PORT (8090 by default, beside `npm start`'s 8080). */
export function localLayout(stateHome: string, env: NodeJS.ProcessEnv): LocalLayout {
  const raw = env['GANTRY_LOCAL_ALB_PORT'] ?? '8090';
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 1 || port > 65535) {
    throw new Error(`GANTRY_LOCAL_ALB_PORT must be a port number from 1 to 65535 (got ${JSON.stringify(raw)})`);
  }
  const dir = resolve(stateHome, 'local-env');
  return {
    dir,
    stateFile: join(dir, 'state.json'),
    pidFile: join(dir, 'gateway.pid'),
    logFile: join(dir, 'gateway.log'),
    port,
    url: `http://127.0.0.1:${port}`,
  };
}

export function readLocalState(stateFile: string): LocalState {
  if (!existsSync(stateFile)) return { services: {} };
  try {
    return JSON.parse(readFileSync(stateFile, 'utf8')) as LocalState;
  } catch {
    throw new Error(
      `${stateFile} is not valid JSON; stop the local environment (npm run pipeline -- stop) to reset it`,
    );
  }
}

/** Written whole and renamed, so the gateway never reads half a state. */
export function writeLocalState(stateFile: string, state: LocalState): void {
  mkdirSync(dirname(stateFile), { recursive: true });
  writeFileSync(`${stateFile}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${stateFile}.tmp`, stateFile);
}

/** The gateway's routes: one per running service, with the ALB's path rules and, mid-deploy, the test route. */
export function routesOf(state: LocalState): GatewayRoute[] {
  return Object.entries(state.services).map(([name, s]) => ({
    name,
    prefix: s.prefix,
    priority: s.priority,
    url: s.url,
    ...(s.next ? { testUrl: s.next.url } : {}),
  }));
}

/** Changes one service (undefined removes it), on a fresh read: another service's deploy may have changed the rest. */
export function updateService(
  stateFile: string,
  name: string,
  change: (current: LocalService | undefined) => LocalService | undefined,
): void {
  const { [name]: current, ...others } = readLocalState(stateFile).services;
  const next = change(current);
  writeLocalState(stateFile, { services: next ? { ...others, [name]: next } : others });
}
