import { runCli } from '@gantry/process';
import { defaultEngineLayout, engineAnswers, startEngine, stopEngine } from './engine';
import { defaultRegistryLayout, registryAnswers, startRegistry, stopRegistry } from './registry';

const USAGE = [
  'usage: tsx tools/docker/src/main.ts <engine|registry> <start|stop|status>',
  '       tsx tools/docker/src/main.ts engine env',
  '  engine     a private dockerd on .gantry/docker/docker.sock (GANTRY_DOCKER_HOME)',
  '  registry   the ECR stand-in on 127.0.0.1 (GANTRY_REGISTRY_PORT, default 5000)',
].join('\n');

type Log = (line: string) => void;

/** The two daemons this CLI runs, each with where it answers and how to start, stop and ask it. */
const DAEMONS: Record<
  string,
  () => {
    address: string;
    start(log: Log): Promise<unknown>;
    stop(log: Log): Promise<void>;
    answers(): Promise<boolean>;
  }
> = {
  engine: () => {
    const layout = defaultEngineLayout();
    return {
      address: layout.host,
      start: (log) => startEngine(layout, log),
      stop: (log) => stopEngine(layout, log),
      answers: () => engineAnswers(layout.host),
    };
  },
  registry: () => {
    const layout = defaultRegistryLayout();
    return {
      address: layout.url,
      start: (log) => startRegistry(layout, log),
      stop: (log) => stopRegistry(layout, log),
      answers: () => registryAnswers(layout.url),
    };
  },
};

// Thin CLI: the logic lives in engine.ts and registry.ts, so the pipeline and tests call the same functions.
runCli('docker', async ([what, command]) => {
  const log = (line: string) => console.log(`[docker] ${line}`);
  const daemon = what ? DAEMONS[what]?.() : undefined;
  if (daemon && command === 'start') {
    await daemon.start(log);
    log(`${what} ready at ${daemon.address}${what === 'engine' ? `: export DOCKER_HOST=${daemon.address}` : ''}`);
    return 0;
  }
  if (daemon && command === 'stop') {
    await daemon.stop(log);
    return 0;
  }
  if (daemon && command === 'status') {
    const up = await daemon.answers();
    log(up ? `${what} running at ${daemon.address}` : `${what} not running (expected at ${daemon.address})`);
    return up ? 0 : 1;
  }
  if (what === 'engine' && command === 'env') {
    console.log(`export DOCKER_HOST=${daemon?.address}`);
    return 0;
  }
  console.error(what ? `unknown command "${[what, command].filter(Boolean).join(' ')}"\n${USAGE}` : USAGE);
  return 2;
});
