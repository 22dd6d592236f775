import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { headOrUnknown } from '@gantry/process';
import { bundlePath, loadCatalog, resolveEnv, type ServiceEntry } from '@gantry/service-catalog';
import type { FastifyInstance } from 'fastify';
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
  /** The environment secrets are taken from, by the variable name the catalog gives them. */
  env?: NodeJS.ProcessEnv;
  onLine?: (service: string, line: string) => void;
}

export interface RunningPlatform {
  gatewayUrl: string;
  routes: GatewayRoute[];
  entries: ServiceEntry[];
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
  const commit = headOrUnknown(root);
  const builtAt = new Date().toISOString();
  const processes = entries.map(
    (entry) =>
      new ServiceProcess({
        name: entry.name,
        main: join(root, bundlePath(entry.name)),
        readyUrl: `${baseUrl(entry.name)}${entry.prefix}/ready`,
        onLine: options.onLine ?? (() => undefined),
        env: {
          PATH: env['PATH'] ?? '/usr/bin:/bin',
          ...resolveEnv(entry, baseUrl),
          ...Object.fromEntries(Object.keys(entry.secrets).map((variable) => [variable, env[variable] as string])),
          HOST: '127.0.0.1',
          PORT: String(entry.port + offset),
          METRICS_PORT: String(entry.metricsPort + offset),
          LOG_LEVEL: env['LOG_LEVEL'] ?? 'info',
          // Locally nothing routes by health, so stop at once on Ctrl-C.
          SHUTDOWN_DELAY_MS: '0',
          GANTRY_COMMIT: commit,
          GANTRY_BUILT_AT: builtAt,
        },
      }),
  );
  const stopAll = () => Promise.all(processes.map((child) => child.stop())).then(() => undefined);

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
  let gateway: FastifyInstance;
  try {
    gateway = await buildGateway({
      routes,
      status: () => Promise.all(routes.map((r) => statusOf(r.name, r.prefix, r.url))),
    });
    await gateway.listen({ host: '127.0.0.1', port: options.gatewayPort });
  } catch (error) {
    await stopAll();
    throw new Error(`the gateway could not listen on 127.0.0.1:${options.gatewayPort}: ${(error as Error).message}`);
  }
  const address = gateway.server.address();
  const port = typeof address === 'object' && address ? address.port : options.gatewayPort;
  return {
    gatewayUrl: `http://localhost:${port}`,
    routes,
    entries,
    stop: async () => {
      await gateway.close();
      await stopAll();
    },
  };
}
