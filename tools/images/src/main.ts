import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultEngineLayout, dockerCli } from '@gantry/docker';
import { git, headOrUnknown, runCli } from '@gantry/process';
import { loadCatalog, serviceVersion } from '@gantry/service-catalog';
import { buildImage } from './build';
import { registryClient } from './registry-client';
import { runImageStep } from './step';

const USAGE = [
  'usage: npm run images -- <command>',
  '  build [--node-image <ref>] <service...>',
  '      build the named services into the local engine as gantry/<name>:<version> (bundles built first)',
  '  publish --registry <host:port> [--commit <sha>] [--node-image <ref>] [--platform <os/arch>]',
  '          [--repository-prefix gantry] [service...]',
  '      build, check and push the images of the named services (all when none is named);',
  '      credentials from GANTRY_REGISTRY_USERNAME / GANTRY_REGISTRY_PASSWORD',
].join('\n');

const root = resolve(__dirname, '../../..');

/** The private engine when it runs, else DOCKER_HOST, else the system socket. */
function dockerHost(): string {
  const engine = defaultEngineLayout(process.env, root);
  return process.env['DOCKER_HOST'] ?? (existsSync(engine.socket) ? engine.host : 'unix:///var/run/docker.sock');
}

// Thin CLI: the logic lives in build.ts and step.ts, so the pipeline and tests call the same functions.
runCli('images', async ([command, ...rest]) => {
  const log = (line: string) => console.log(`[images] ${line}`);
  const options = {
    commit: { type: 'string' },
    'node-image': { type: 'string' },
    platform: { type: 'string' },
    registry: { type: 'string' },
    'repository-prefix': { type: 'string' },
  } as const;
  if (command !== 'build' && command !== 'publish') {
    console.error(command ? `unknown command "${command}"\n${USAGE}` : USAGE);
    return 2;
  }
  const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options });
  const catalog = loadCatalog(root);
  const unknown = positionals.filter((name) => !catalog.some((entry) => entry.name === name));
  if (unknown.length > 0)
    throw new Error(
      `not in the service catalog: ${unknown.join(', ')} (services: ${catalog.map((e) => e.name).join(', ')})`,
    );
  const docker = dockerCli(dockerHost());
  if (command === 'build') {
    if (positionals.length === 0) throw new Error(`name at least one service to build\n${USAGE}`);
    for (const service of positionals) {
      const version = serviceVersion(root, service);
      const built = await buildImage(docker, {
        workspaceRoot: root,
        service,
        version,
        revision: values.commit ?? headOrUnknown(root),
        builtAt: new Date().toISOString(),
        nodeImage: values['node-image'],
        log,
      });
      // Without a registry the build is always local.
      if (built.kind === 'local') log(`${service}: built ${built.localImage} (${built.imageId})`);
    }
    return 0;
  }
  if (!values.registry) throw new Error(`--registry is required\n${USAGE}`);
  const username = process.env['GANTRY_REGISTRY_USERNAME'];
  const password = process.env['GANTRY_REGISTRY_PASSWORD'];
  await runImageStep({
    workspaceRoot: root,
    catalog,
    docker,
    registry: registryClient(values.registry, username && password ? { auth: { username, password } } : {}),
    services: positionals.length > 0 ? positionals : undefined,
    // A published image is tagged sha-<commit>, so it needs a real one.
    commit: values.commit ?? git(root, ['rev-parse', 'HEAD']),
    nodeImage: values['node-image'],
    platform: values.platform,
    repositoryPrefix: values['repository-prefix'],
    log,
  });
  return 0;
});
