// The local ALB stand-in as a daemon: it outlives `npm run pipeline`, so what the pipeline deployed keeps
// serving, and a later run or a rollback switches a route here instead of starting over.
import { statSync } from 'node:fs';
import { buildGateway, type GatewayRoute } from '@gantry/local-platform';
import { runCli } from '@gantry/process';
import { readLocalState, routesOf } from './state';

runCli('local-gateway', async ([stateFile, port]) => {
  if (!stateFile || !port) throw new Error('usage: gateway-main.ts <state.json> <port>');
  let seen = -1;
  let routes: GatewayRoute[] = [];
  // Re-read only when the state file changed: one stat per request is cheap beside a proxied request.
  const current = () => {
    const mtime = statSync(stateFile, { throwIfNoEntry: false })?.mtimeMs ?? 0;
    if (mtime !== seen) {
      seen = mtime;
      routes = routesOf(readLocalState(stateFile));
    }
    return routes;
  };
  const gateway = await buildGateway({ routes: current, status: async () => [] });
  await gateway.listen({ host: '127.0.0.1', port: Number(port) });
  console.log(`local gateway listening on 127.0.0.1:${port}, routes from ${stateFile}`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void gateway.close().then(() => process.exit(0)));
  }
  return undefined;
});
