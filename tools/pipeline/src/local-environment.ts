import type { Docker } from '@gantry/docker';
import { buildGateway } from '@gantry/local-platform';
import { freePort } from '@gantry/process';
import { resolveEnv, type ServiceEntry } from '@gantry/service-catalog';

export interface LocalEnvironment {
  /** The gateway: the ALB stand-in every smoke request goes through. */
  url: string;
  stop(): Promise<void>;
}

/**
 * The stand-in for ECS and the shared ALB in `npm run pipeline`: each deployed image runs as a container
 * (read-only, no capabilities, host network on its own loopback port) behind the local gateway, which has
 * the ALB's path rules. `${service:<name>}` resolves to the gateway, as it resolves to the ALB in AWS.
 */
export async function startLocalEnvironment(options: {
  docker: Docker;
  services: ReadonlyArray<{ entry: ServiceEntry; image: string }>;
  log: (line: string) => void;
}): Promise<LocalEnvironment> {
  const gatewayPort = await freePort();
  const url = `http://127.0.0.1:${gatewayPort}`;
  const containers: string[] = [];
  const stop = async () => {
    for (const container of containers) await options.docker(['rm', '--force', container]).catch(() => undefined);
  };
  try {
    const routes = [];
    for (const { entry, image } of options.services) {
      const port = await freePort();
      const env = { ...resolveEnv(entry, () => url), HOST: '127.0.0.1', PORT: String(port), METRICS_PORT: '0' };
      const container = await options.docker([
        'run',
        '--detach',
        '--network',
        'host',
        '--read-only',
        '--cap-drop',
        'ALL',
        '--security-opt',
        'no-new-privileges',
        ...Object.entries(env).flatMap(([key, value]) => ['--env', `${key}=${value}`]),
        image,
      ]);
      containers.push(container);
      routes.push({
        name: entry.name,
        prefix: entry.prefix,
        priority: entry.priority,
        url: `http://127.0.0.1:${port}`,
      });
      options.log(`${entry.name}: ${image} on 127.0.0.1:${port}`);
    }
    const gateway = await buildGateway({ routes, status: async () => [] });
    await gateway.listen({ host: '127.0.0.1', port: gatewayPort });
    options.log(`ALB stand-in (local gateway) at ${url}`);
    return {
      url,
      stop: async () => {
        await gateway.close();
        await stop();
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
