import { runCli } from '@gantry/process';
import { CacheUnavailableError, startCacheServer, type RunningCache } from './start';

// CodeBuild: `npx tsx tools/remote-cache/src/main.ts > "$CACHE_ENV" &`, wait until the file has
// content or the process has exited, then `. "$CACHE_ENV"`. Stdout holds only export lines
// (it may hold the token, so keep it out of the build log); everything else goes to stderr.
async function main(): Promise<number | undefined> {
  const log = (line: string) => console.error(`[remote-cache] ${line}`);
  let cache: RunningCache;
  try {
    cache = await startCacheServer(process.env);
  } catch (error) {
    if (!(error instanceof CacheUnavailableError)) throw error;
    // A cache outage must never fail the build: Nx simply runs without NX_SELF_HOSTED_REMOTE_CACHE_SERVER.
    log(`WARNING: ${error.message}; continuing without the remote cache`);
    return 0;
  }
  const { GANTRY_CACHE_BUCKET, GANTRY_CACHE_PREFIX, GANTRY_CACHE_MODE } = cache.config;
  log(`serving s3://${GANTRY_CACHE_BUCKET}/${GANTRY_CACHE_PREFIX} (${GANTRY_CACHE_MODE}) at ${cache.url}`);
  for (const [name, value] of Object.entries(cache.env)) console.log(`export ${name}=${shellQuote(value)}`);
  const running = cache;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void running.close().then(() => process.exit(0)));
  }
  // Serve until the build ends (SIGTERM) or Ctrl-C.
  return undefined;
}

// Plain values print as they are; anything else is single-quoted so `.` or eval reads it back verbatim.
function shellQuote(value: string): string {
  return /^[\w.:/@%+=,-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

runCli('remote-cache', main);
