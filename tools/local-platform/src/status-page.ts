import type { ServiceState } from './service-process';

export interface StatusRow {
  name: string;
  prefix: string;
  url: string;
  /** `ok`, `starting`, `draining`, or `down (why)`. */
  health: string;
  version: string;
  commit: string;
}

const escape = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] as string,
  );

const healthClass = (health: string) => (health === 'ok' ? 'ok' : health.startsWith('down') ? 'bad' : 'warn');

/** The /_gantry page: every service with its live health and version, and `problem` when the rows are missing. */
export function renderStatusPage(rows: readonly StatusRow[], problem?: string): string {
  const body = rows
    .map(
      (row) =>
        `<tr><td>${escape(row.name)}</td><td><a href="${escape(row.prefix)}">${escape(row.prefix)}</a></td>` +
        `<td class="${healthClass(row.health)}">${escape(row.health)}</td>` +
        `<td>${escape(row.version)}</td><td><code>${escape(row.commit.slice(0, 12))}</code></td><td>${escape(row.url)}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Gantry: local platform</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem}
table{border-collapse:collapse}
td,th{padding:.4rem .8rem;border-bottom:1px solid #ddd;text-align:left}
.ok{color:#17803d}.warn{color:#b54708}.bad{color:#b42318}
</style>
</head><body><h1>Gantry local platform</h1>
${problem === undefined ? '' : `<p class="bad">${escape(problem)}</p>\n`}<table><thead><tr><th>service</th><th>route</th><th>health</th><th>version</th><th>commit</th><th>direct URL</th></tr></thead>
<tbody>
${body}
</tbody></table></body></html>
`;
}

const PROBE_TIMEOUT_MS = 1_000;

/** A JSON object's string field, or undefined: a draining or foreign server may answer anything. */
async function probe(url: string): Promise<{ status: number; field: (name: string) => string | undefined }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
  const body: unknown = await response.json().catch(() => undefined);
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  return {
    status: response.status,
    field: (name) => (typeof record[name] === 'string' ? (record[name] as string) : undefined),
  };
}

function whyDown(error: unknown): string {
  const failure = error as Error & { cause?: { code?: string } };
  if (failure.name === 'TimeoutError') return `no answer within ${PROBE_TIMEOUT_MS / 1000} s`;
  return failure.cause?.code ?? failure.message;
}

/**
 * One service's row: what the platform knows of its process, then its readiness and version as it answers
 * them. Never rejects: a service that is starting, draining or dead shows as such.
 */
export async function statusOf(
  route: { name: string; prefix: string; url: string },
  state: ServiceState = 'ready',
  exitCode?: number | null,
): Promise<StatusRow> {
  const row = { ...route, version: '?', commit: '?' };
  if (state === 'exited') return { ...row, health: `down (exited${exitCode == null ? '' : ` with code ${exitCode}`})` };
  const [ready, version] = await Promise.allSettled([
    probe(`${route.url}${route.prefix}/ready`),
    probe(`${route.url}${route.prefix}/version`),
  ]);
  const known = version.status === 'fulfilled' && version.value.status === 200 ? version.value : undefined;
  const versioned = { ...row, version: known?.field('version') ?? '?', commit: known?.field('commit') ?? '?' };
  if (state !== 'ready') return { ...versioned, health: state };
  if (ready.status === 'rejected') return { ...versioned, health: `down (${whyDown(ready.reason)})` };
  if (ready.value.status === 200) return { ...versioned, health: 'ok' };
  // The kit's readiness says why (starting, draining); a closing server only says 503.
  return { ...versioned, health: ready.value.field('status') ?? `down (HTTP ${ready.value.status})` };
}
