// A database of the local ECS stand-in as a daemon: like the RDS instance it stands for, it outlives
// `npm run pipeline`, keeps its data between runs, and is what a later run's migrate step migrates.
import { startEmbeddedPostgres } from '@gantry/database/embedded';
import { runCli } from '@gantry/process';

runCli('local-database', async ([dir, port, database]) => {
  if (!dir || !port || !database) throw new Error('usage: database-main.ts <dir> <port> <database>');
  const server = await startEmbeddedPostgres({ dir, port: Number(port), database, log: console.log });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void server.stop().then(() => process.exit(0)));
  }
  // The server process keeps this one alive until a signal.
  return undefined;
});
