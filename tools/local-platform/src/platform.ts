import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { headOrUnknown } from '@gantry/process';
import { bundlePath, loadCatalog, resolveEnv, type ServiceEntry } from '@gantry/service-catalog';
import type { FastifyInstance } from 'fastify';
import { startDatabases } from './databases';
import { buildGateway, type GatewayRoute } from './gateway';
import { ServiceProcess } from './service-process';
import { statusOf } from './status-page';

export interface PlatformOptions {
  workspaceRoot: string;
  /** 0 picks a free port. */
  gatewayPort: number;
  /** Added to every catalog port, so a second platform (tests) can run beside a developer's. */
  portOffset?: number;
  readyTimeoutMs?: number;
  /**
   * On stop, how long each service gets to drain after SIGTERM before SIGKILL; services stop in parallel,
   * so this bounds the whole stop.
   * @default 5_000
   */
  stopGraceMs?: number;
  /** How long the gateway waits for a service's response before answering 504. @default 60_000 */
  upstreamTimeoutMs?: number;
  /**
   * Where the embedded PostgreSQL of each database service keeps its data, which survives restarts.
   * @default <workspaceRoot>/.gantry/postgres (with the port offset in the name when there is one)
   */
  dataDir?: string;
  /** The environment secrets are taken from, by the variable name the catalog gives them. */
  env?: NodeJS.ProcessEnv;
  onLine?: (service: string, line: string) => void;
}

export interface RunningPlatform {
  gatewayUrl: string;
  routes: GatewayRoute[];
  entries: ServiceEntry[];
  /** Stops every service, then the gateway; a second call waits for the first. */
  stop(): Promise<void>;
}

/** Checks everything that can be checked before any process starts, listing every problem at once. */
function preflight(root: string, entries: ServiceEntry[], env: NodeJS.ProcessEnv): void {
  const problems: string[] = [];
  for (const entry of entries) {
    const main = join(root, bundlePath(entry.name));
    if (!existsSync(main))
      problems.push(`${entry.name}: ${main} is missing; build it with \`npx nx run-many -t build\``);
    for (const variable of Object.keys(entry.secrets)) {
      if (!env[variable]) {
        problems.push(
          `${entry.name}: secret ${variable} is not set; export it in your shell (locally secrets come from the environment)`,
        );
      }
    }
  }
  if (problems.length > 0) throw new Error(`cannot start the local platform:\n  - ${problems.join('\n  - ')}`);
}

/** Starts every catalog service from its bundle, then the gateway in front of them. */
export async function startPlatform(options: PlatformOptions): Promise<RunningPlatform> {
  const root = options.workspaceRoot;
  const offset = options.portOffset ?? 0;
  const env = options.env ?? process.env;
  const entries = loadCatalog(root);
  preflight(root, entries, env);

  const baseUrl = (name: string) => {
    const target = entries.find((entry) => entry.name === name) as ServiceEntry;
    return `http://127.0.0.1:${target.port + offset}`;
  };
  const onLine = options.onLine ?? (() => undefined);
  // Before any service: a database service's migrations must have run before it starts.
  const databases = await startDatabases(entries, {
    workspaceRoot: root,
    dataDir: options.dataDir ?? join(root, '.gantry', offset > 0 ? `postgres-${offset}` : 'postgres'),
    portOffset: offset,
    env,
    onLine,
  });
  const commit = headOrUnknown(root);
  const builtAt = new Date().toISOString();
  const processes = entries.map(
    (entry) =>
      new ServiceProcess({
        name: entry.name,
        main: join(root, bundlePath(entry.name)),
        readyUrl: `${baseUrl(entry.name)}${entry.prefix}/ready`,
        onLine,
        env: {
          PATH: env['PATH'] ?? '/usr/bin:/bin',
          ...resolveEnv(entry, baseUrl),
          ...Object.fromEntries(Object.keys(entry.secrets).map((variable) => [variable, env[variable] as string])),
          ...databases.envOf(entry.name),
          HOST: '127.0.0.1',
          PORT: String(entry.port + offset),
          METRICS_PORT: String(entry.metricsPort + offset),
          LOG_LEVEL: env['LOG_LEVEL'] ?? 'info',
          // The gateway stops routing to a service the moment it is sent SIGTERM, so it need not wait to be noticed.
          SHUTDOWN_DELAY_MS: '0',
          GANTRY_COMMIT: commit,
          GANTRY_BUILT_AT: builtAt,
        },
      }),
  );
  const graceMs = options.stopGraceMs ?? 5_000;
  // The databases last: a draining service still needs its own.
  const stopAll = () => Promise.all(processes.map((child) => child.stop(graceMs))).then(() => databases.stop());

  const results = await Promise.allSettled(processes.map((child) => child.waitReady(options.readyTimeoutMs ?? 30_000)));
  const failures = results.flatMap((result) =>
    result.status === 'rejected' ? [(result.reason as Error).message] : [],
  );
  if (failures.length > 0) {
    await stopAll();
    throw new Error(failures.join('\n'));
  }

  const routes: GatewayRoute[] = entries.map((entry) => ({
    name: entry.name,
    prefix: entry.prefix,
    priority: entry.priority,
    url: baseUrl(entry.name),
  }));
  const processOf = new Map(processes.map((child) => [child.spec.name, child]));
  const stateOf = (name: string) => processOf.get(name)?.state ?? 'exited';
  let gateway: FastifyInstance;
  try {
    gateway = await buildGateway({
      // Asked per request: a service that is starting, draining or has exited takes no traffic, as behind the ALB.
      routes: () => routes.map((route) => ({ ...route, healthy: stateOf(route.name) === 'ready' })),
      status: () =>
        Promise.all(routes.map((route) => statusOf(route, stateOf(route.name), processOf.get(route.name)?.exitCode))),
      upstreamTimeoutMs: options.upstreamTimeoutMs,
      log: (line) => onLine('gateway', line),
    });
    await gateway.listen({ host: '127.0.0.1', port: options.gatewayPort });
  } catch (error) {
    await stopAll();
    throw new Error(`the gateway could not listen on 127.0.0.1:${options.gatewayPort}: ${(error as Error).message}`);
  }
  let stopping: Promise<void> | undefined;
  const address = gateway.server.address();
  const port = typeof address === 'object' && address ? address.port : options.gatewayPort;
  return {
    gatewayUrl: `http://localhost:${port}`,
    routes,
    entries,
    // Services first, all at once: while they drain the gateway answers 503 for them, as the ALB does for
    // deregistering targets. Their in-flight requests are over when they are gone, so the gateway closes at once,
    // unless a client is still sending a body: it gets the same grace, then its connection is cut.
    stop: () =>
      (stopping ??= (async () => {
        await stopAll();
        const cut = setTimeout(() => gateway.server.closeAllConnections(), graceMs);
        await gateway.close();
        clearTimeout(cut);
      })()),
  };
}
