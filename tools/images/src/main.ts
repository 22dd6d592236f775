import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { dockerCli } from '@gantry/containers';
import { defaultLayout } from '@gantry/docker-engine';
import { registryClient } from './registry-client';
import { defaultRegistryLayout, registryAnswers, startRegistry, stopRegistry } from './registry-server';
import { runImageStep } from './step';

const USAGE = [
  'usage: tsx tools/images/src/main.ts <command>',
  '  registry <start|stop|status>   the local ECR stand-in at .gantry/registry (GANTRY_REGISTRY_PORT, default 5000)',
  '  publish --registry <host:port> [--commit <sha>] [--node-image <ref>] [--platform <os/arch>]',
  '          [--manifest <path>] [--repository-prefix gantry] [service...]',
  '      build, check and push the images of the named services (all when none is named), then write',
  '      dist/deploy-manifest.json; credentials from GANTRY_REGISTRY_USERNAME / GANTRY_REGISTRY_PASSWORD',
].join('\n');

const root = resolve(__dirname, '../../..');

// Thin CLI: the logic lives in the modules so the pipeline runner and tests call the same functions.
async function main(argv: string[]): Promise<number> {
  const log = (line: string) => console.log(`[images] ${line}`);
  const [command, ...rest] = argv;
  if (command === 'registry') {
    const layout = defaultRegistryLayout(process.env, root);
    switch (rest[0]) {
      case 'start':
        await startRegistry(layout, log);
        log(`ready: ${layout.address}`);
        return 0;
      case 'stop':
        await stopRegistry(layout, log);
        return 0;
      case 'status': {
        const up = await registryAnswers(layout.url);
        log(up ? `running at ${layout.url}` : `not running (expected at ${layout.url})`);
        return up ? 0 : 1;
      }
    }
  }
  if (command === 'publish') {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        registry: { type: 'string' },
        commit: { type: 'string' },
        'node-image': { type: 'string' },
        platform: { type: 'string' },
        manifest: { type: 'string' },
        'repository-prefix': { type: 'string' },
      },
    });
    if (!values.registry) throw new Error(`--registry is required\n${USAGE}`);
    const username = process.env['GANTRY_REGISTRY_USERNAME'];
    const password = process.env['GANTRY_REGISTRY_PASSWORD'];
    const engine = defaultLayout(process.env, root);
    const host = process.env['DOCKER_HOST'] ?? (existsSync(engine.socket) ? engine.host : 'unix:///var/run/docker.sock');
    await runImageStep({
      workspaceRoot: root,
      docker: dockerCli(host),
      registry: registryClient(values.registry, username && password ? { auth: { username, password } } : {}),
      services: positionals.length > 0 ? positionals : undefined,
      commit: values.commit ?? execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim(),
      nodeImage: values['node-image'],
      platform: values.platform,
      manifestPath: values.manifest ? resolve(values.manifest) : undefined,
      repositoryPrefix: values['repository-prefix'],
      log,
    });
    return 0;
  }
  console.error(command ? `unknown command "${argv.join(' ')}"\n${USAGE}` : USAGE);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`[images] ${error.message}`);
    process.exit(1);
  },
);
