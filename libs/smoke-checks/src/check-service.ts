/** A deployed service to check, and the version it must report. */
export interface SmokeTarget {
  service: string;
  prefix: string;
  version: string;
}

async function get(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const response = await fetch(url, {
    signal: AbortSignal.timeout(5_000),
    headers: { 'x-request-id': 'gantry-smoke', ...headers },
  });
  return { status: response.status, body: await response.text() };
}

/**
 * One try of the checks every deploy passes before it counts: `/<name>/health` answers 200 and
 * `/<name>/version` reports the version just deployed. Returns why not, or null. `headers` select the route
 * (the test route of a blue/green deploy). Shared by the pipeline's smoke step and the ECS lifecycle hook.
 */
export async function checkService(
  baseUrl: string,
  target: SmokeTarget,
  headers: Record<string, string> = {},
): Promise<string | null> {
  try {
    const health = await get(`${baseUrl}${target.prefix}/health`, headers);
    if (health.status !== 200) return `GET ${target.prefix}/health answered ${health.status}`;
    const version = await get(`${baseUrl}${target.prefix}/version`, headers);
    if (version.status !== 200) return `GET ${target.prefix}/version answered ${version.status}`;
    const reported = (JSON.parse(version.body) as { version?: string }).version;
    return reported === target.version
      ? null
      : `GET ${target.prefix}/version reports ${reported}, expected ${target.version}`;
  } catch (error) {
    return `${baseUrl}${target.prefix}: ${(error as Error).message}`;
  }
}
