import { resolve } from 'node:path';
import { runCli } from '@gantry/process';
import { startPlatform } from './platform';
import { routeTable } from './route-table';

const COLORS = [36, 35, 33, 32, 34, 31];

// Thin CLI over startPlatform: reads its port settings, prints progress, and stops everything on Ctrl-C.
function integerSetting(name: string, fallback: string, min: number, max: number): number {
  const raw = process.env[name] ?? fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(raw)})`);
  }
  return value;
}

async function main(): Promise<undefined> {
  const gatewayPort = integerSetting('GANTRY_GATEWAY_PORT', '8080', 1, 65535);
  // Moves every service's ports, so a second `npm start` (the scale bench's) can run beside a developer's.
  const portOffset = integerSetting('GANTRY_PORT_OFFSET', '0', 0, 50_000);
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
  const platform = await startPlatform({
    workspaceRoot: resolve(__dirname, '../../..'),
    gatewayPort,
    portOffset,
    onLine,
  });
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
