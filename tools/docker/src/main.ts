import { runCli } from '@gantry/process';
import { defaultEngineLayout, engineAnswers, startEngine, stopEngine } from './engine';
import { defaultRegistryLayout, registryAnswers, startRegistry, stopRegistry } from './registry';

const USAGE = [
  'usage: tsx tools/docker/src/main.ts <engine|registry> <command>',
  '  engine   <start|stop|status|env>   a private dockerd on .gantry/docker/docker.sock (GANTRY_DOCKER_HOME)',
  '  registry <start|stop|status>       the ECR stand-in on 127.0.0.1 (GANTRY_REGISTRY_PORT, default 5000)',
].join('\n');

// Thin CLI: the logic lives in engine.ts and registry.ts, so the pipeline and tests call the same functions.
runCli('docker', async ([what, command]) => {
  const log = (line: string) => console.log(`[docker] ${line}`);
  if (what === 'engine') {
    const layout = defaultEngineLayout();
    switch (command) {
      case 'start':
        await startEngine(layout, log);
        log(`engine ready: export DOCKER_HOST=${layout.host}`);
        return 0;
      case 'stop':
        await stopEngine(layout, log);
        return 0;
      case 'status': {
        const up = await engineAnswers(layout.host);
        log(up ? `engine running at ${layout.host}` : `engine not running (expected at ${layout.host})`);
        return up ? 0 : 1;
      }
      case 'env':
        console.log(`export DOCKER_HOST=${layout.host}`);
        return 0;
    }
  }
  if (what === 'registry') {
    const layout = defaultRegistryLayout();
    switch (command) {
      case 'start':
        await startRegistry(layout, log);
        return 0;
      case 'stop':
        await stopRegistry(layout, log);
        return 0;
      case 'status': {
        const up = await registryAnswers(layout.url);
        log(up ? `registry running at ${layout.url}` : `registry not running (expected at ${layout.url})`);
        return up ? 0 : 1;
      }
    }
  }
  console.error(what ? `unknown command "${[what, command].filter(Boolean).join(' ')}"\n${USAGE}` : USAGE);
  return 2;
});
