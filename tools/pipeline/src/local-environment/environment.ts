import { join } from 'node:path';
import { migrateVerdict } from '@gantry/database/embedded';
import type { Docker } from '@gantry/docker';
import { freePort, startDaemon, stopDaemon, waitUntil, type DaemonSpec } from '@gantry/process';
import { MIGRATE_COMMAND, resolveEnv, TEST_TRAFFIC_HEADER, type ServiceEntry } from '@gantry/service-catalog';
import { checkService } from '@gantry/smoke-checks';
import { openLocalDatabase, stopLocalDatabases } from './database';
import { readLocalState, updateService, writeLocalState, type LocalLayout, type LocalService } from './state';

/** Every container of the local environment carries this label, so stopping it finds them all. */
const LABEL = 'gantry.local-environment';

function gatewayDaemon(root: string, layout: LocalLayout): DaemonSpec {
  const script = join(root, 'tools/pipeline/src/local-environment/gateway-main.ts');
  return {
    name: 'local gateway',
    command: process.execPath,
    args: ['--import', 'tsx', script, layout.stateFile, String(layout.port)],
    cwd: root,
    pidFile: layout.pidFile,
    logFile: layout.logFile,
    mustMention: layout.stateFile,
    ready: () =>
      fetch(`${layout.url}/_gantry`, { signal: AbortSignal.timeout(1_000) }).then(
        (response) => response.ok,
        () => false,
      ),
  };
}

/** What a deploy into the local environment changed. */
export interface LocalDeploy {
  service: string;
  from?: Pick<LocalService, 'version' | 'digest'>;
  to: LocalService;
}

/**
 * The stand-in for ECS and the shared ALB: each service runs as a container (read-only, no capabilities,
 * host network on its own loopback port) behind a gateway daemon with the ALB's path rules. It keeps running
 * between pipeline runs; `npm run pipeline -- stop` ends it. `${service:<name>}` resolves to the gateway, as
 * it resolves to the ALB in AWS.
 */
export class LocalEnvironment {
  private constructor(
    private readonly root: string,
    readonly layout: LocalLayout,
    private readonly docker: Docker,
    private readonly log: (line: string) => void,
    private readonly checkTimeoutMs: number,
  ) {}

  /** Starts the gateway daemon when it is not running, and returns the environment. */
  static async open(
    root: string,
    layout: LocalLayout,
    docker: Docker,
    log: (line: string) => void,
    options: { checkTimeoutMs?: number } = {},
  ): Promise<LocalEnvironment> {
    await startDaemon(gatewayDaemon(root, layout), log, 30_000);
    return new LocalEnvironment(root, layout, docker, log, options.checkTimeoutMs ?? 30_000);
  }

  get url(): string {
    return this.layout.url;
  }

  running(): Record<string, LocalService> {
    return readLocalState(this.layout.stateFile).services;
  }

  /**
   * Blue/green, as ECS does it on the ALB: start the new container beside the old one and wait until it is
   * ready; route only test traffic (TEST_TRAFFIC_HEADER) to it and check it through the gateway; then switch
   * production to it and drain the old one. A new container that exits, never gets ready or fails its checks
   * is removed, no production request has reached it, and the old one keeps serving.
   */
  async deploy(
    entry: ServiceEntry,
    image: { reference: string; version: string; digest: string },
  ): Promise<LocalDeploy> {
    const previous = this.running()[entry.name];
    const started = await this.start(entry, image, previous);
    const next = { ...image, image: image.reference, container: started.container, url: started.url };
    updateService(this.layout.stateFile, entry.name, (current) =>
      current ? { ...current, next } : { ...next, prefix: entry.prefix, priority: entry.priority, next },
    );
    const target = { service: entry.name, prefix: entry.prefix, version: image.version };
    let problem: string | null = null;
    const passed = await waitUntil(
      async () => (problem = await checkService(this.url, target, { [TEST_TRAFFIC_HEADER]: '1' })) === null,
      { timeoutMs: this.checkTimeoutMs, intervalMs: 250 },
    );
    if (!passed) {
      updateService(this.layout.stateFile, entry.name, (current) =>
        previous && current ? { ...current, next: undefined } : undefined,
      );
      await this.docker(['rm', '--force', started.container]).catch(() => undefined);
      throw new Error(
        `${entry.name} ${image.version}: the checks through the test route failed (${problem}); ${previous ? `${previous.version} keeps serving` : 'nothing was serving'}, and no production request reached the new version`,
      );
    }
    const serving: LocalService = { ...next, prefix: entry.prefix, priority: entry.priority };
    updateService(this.layout.stateFile, entry.name, () => serving);
    this.log(
      `${entry.name}: ${image.version} (${image.digest.slice(0, 19)}) passed its checks and serves at ${this.url}${entry.prefix}`,
    );
    // SIGTERM: the service turns not-ready, finishes its in-flight requests and exits, as an ECS task drains.
    if (previous) {
      await this.docker(['stop', '--time', '20', previous.container]).catch(() => undefined);
      await this.docker(['rm', '--force', previous.container]).catch(() => undefined);
    }
    return {
      service: entry.name,
      from: previous && { version: previous.version, digest: previous.digest },
      to: serving,
    };
  }

  /** Runs the image beside what serves now; resolves once it is ready, or removes it and says why not. */
  private async start(
    entry: ServiceEntry,
    image: { reference: string; version: string },
    previous: LocalService | undefined,
  ): Promise<{ container: string; url: string }> {
    const port = await freePort();
    const container = `gantry-local-${entry.name}-${port}`;
    const env = {
      ...resolveEnv(entry, () => this.url),
      ...(await this.databaseEnv(entry)),
      HOST: '127.0.0.1',
      PORT: String(port),
      METRICS_PORT: '0',
    };
    await this.docker([
      'run', '--detach', '--name', container, '--label', `${LABEL}=${this.layout.dir}`,
      '--network', 'host', '--read-only', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges',
      ...Object.entries(env).flatMap(([key, value]) => ['--env', `${key}=${value}`]),
      image.reference,
    ]); // prettier-ignore
    const url = `http://127.0.0.1:${port}`;
    const ready = await waitUntil(() => this.readiness(container, `${url}${entry.healthPath}`), {
      timeoutMs: 60_000,
      intervalMs: 250,
    });
    if (ready === 'ready') return { container, url };
    const logs = await this.docker(['logs', '--tail', '5', container]).catch(() => '');
    await this.docker(['rm', '--force', container]).catch(() => undefined);
    const why = ready === 'exited' ? 'exited before it was ready' : 'was not ready within 60 s';
    throw new Error(
      `${entry.name} ${image.version}: the new container ${why}; ${previous ? `${previous.version} keeps serving` : 'nothing was serving'}. Last log lines:\n  ${logs.split('\n').join('\n  ')}`,
    );
  }

  /** The DB_* variables of the service's stand-in database, started if need be; none without a database. */
  private async databaseEnv(entry: ServiceEntry): Promise<Record<string, string>> {
    if (!entry.database) return {};
    return openLocalDatabase(this.root, this.layout, entry.name, entry.database, this.log);
  }

  /**
   * The one-off migration task, as ECS runs it: the new image with its command overridden by MIGRATE_COMMAND,
   * against the service's database, until it exits. A failure throws with the migrate command's own last line
   * (which migration, and why); nothing that serves is touched either way.
   */
  async migrate(entry: ServiceEntry, image: { reference: string; version: string }): Promise<string> {
    const env = await this.databaseEnv(entry);
    const container = `gantry-migrate-${entry.name}-${Date.now()}`;
    await this.docker([
      'run', '--detach', '--name', container, '--label', `${LABEL}=${this.layout.dir}`,
      '--network', 'host', '--read-only', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges',
      ...Object.entries(env).flatMap(([key, value]) => ['--env', `${key}=${value}`]),
      image.reference, ...MIGRATE_COMMAND,
    ]); // prettier-ignore
    try {
      const code = Number(await this.docker(['wait', container], { timeoutMs: 15 * 60_000 }));
      const output = await this.docker(['logs', container]).catch(() => '');
      const last = migrateVerdict(output);
      if (code !== 0) {
        throw new Error(
          `${entry.name} ${image.version}: ${last ?? `the migration task exited ${code}`} (exit ${code}); the service was not deployed and keeps running its current version`,
        );
      }
      return last ?? 'migrated';
    } finally {
      await this.docker(['rm', '--force', container]).catch(() => undefined);
    }
  }

  /** `ready` once the health path answers 200, `exited` when the container stopped; undefined while starting. */
  private async readiness(container: string, healthUrl: string): Promise<'ready' | 'exited' | undefined> {
    const ok = await fetch(healthUrl, { signal: AbortSignal.timeout(1_000) }).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ok) return 'ready';
    const running = await this.docker(['inspect', '--format', '{{.State.Running}}', container]).catch(() => 'false');
    return running === 'true' ? undefined : 'exited';
  }
}

/** Removes every container of the local environment and stops its gateway. */
export async function stopLocalEnvironment(
  root: string,
  layout: LocalLayout,
  docker: Docker,
  log: (line: string) => void,
): Promise<void> {
  const containers = (
    await docker(['ps', '--all', '--quiet', '--filter', `label=${LABEL}=${layout.dir}`]).catch(() => '')
  )
    .split('\n')
    .filter(Boolean);
  if (containers.length > 0) await docker(['rm', '--force', ...containers]);
  writeLocalState(layout.stateFile, { services: {} });
  await stopDaemon(gatewayDaemon(root, layout), log);
  await stopLocalDatabases(layout, log);
  log(`local environment stopped: ${containers.length} container(s) removed`);
}
