import { resolve } from 'node:path';
import { runCli } from '@gantry/process';
import { startPlatform } from './platform';
import { routeTable } from './route-table';

const COLORS = [36, 35, 33, 32, 34, 31];

// Thin CLI over startPlatform: reads its one setting, prints progress, and stops everything on Ctrl-C.
async function main(): Promise<undefined> {
  const rawPort = process.env['GANTRY_GATEWAY_PORT'] ?? '8080';
  const gatewayPort = Number(rawPort);
  if (!/^\d+$/.test(rawPort) || gatewayPort < 1 || gatewayPort > 65535) {
    throw new Error(`GANTRY_GATEWAY_PORT must be an integer from 1 to 65535 (got ${JSON.stringify(rawPort)})`);
  }
  const started = Date.now();
  const color = process.stdout.isTTY;
  const names: string[] = [];
  const onLine = (service: string, line: string) => {
    if (!names.includes(service)) names.push(service);
    const label = service.padEnd(8);
    const code = COLORS[names.indexOf(service) % COLORS.length];
    console.log(`${color ? `\x1b[${code}m${label}\x1b[0m` : label} | ${line}`);
  };

  console.log('gantry: starting services…');
  const platform = await startPlatform({ workspaceRoot: resolve(__dirname, '../../..'), gatewayPort, onLine });
  console.log(`\n${routeTable(platform.gatewayUrl, platform.routes)}`);
  console.log(
    `\ngantry: ${platform.routes.length} services ready in ${Date.now() - started} ms; status page ${platform.gatewayUrl}/_gantry; Ctrl-C stops everything\n`,
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\ngantry: ${signal}: stopping every service…`);
    await platform.stop();
    console.log('gantry: stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  // The services and the gateway keep the process alive until Ctrl-C.
  return undefined;
}

runCli('gantry', main);
