export interface StatusRow {
  name: string;
  prefix: string;
  url: string;
  health: string;
  version: string;
  commit: string;
}

const escape = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] as string,
  );

/** The /_gantry page: every service with its live health and version. */
export function renderStatusPage(rows: readonly StatusRow[]): string {
  const body = rows
    .map(
      (row) =>
        `<tr><td>${escape(row.name)}</td><td><a href="${escape(row.prefix)}">${escape(row.prefix)}</a></td>` +
        `<td class="${row.health === 'ok' ? 'ok' : 'bad'}">${escape(row.health)}</td>` +
        `<td>${escape(row.version)}</td><td><code>${escape(row.commit.slice(0, 12))}</code></td><td>${escape(row.url)}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Gantry: local platform</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem}
table{border-collapse:collapse}
td,th{padding:.4rem .8rem;border-bottom:1px solid #ddd;text-align:left}
.ok{color:#17803d}.bad{color:#b42318}
</style>
</head><body><h1>Gantry local platform</h1>
<table><thead><tr><th>service</th><th>route</th><th>health</th><th>version</th><th>commit</th><th>direct URL</th></tr></thead>
<tbody>
${body}
</tbody></table></body></html>
`;
}

/** Asks one service for its health and version; a dead service shows as down, never an error. */
export async function statusOf(name: string, prefix: string, url: string): Promise<StatusRow> {
  const get = async (path: string) => {
    const response = await fetch(`${url}${prefix}${path}`, { signal: AbortSignal.timeout(1_000) });
    return { ok: response.ok, body: (await response.json()) as Record<string, string> };
  };
  try {
    const [health, version] = await Promise.all([get('/health'), get('/version')]);
    return {
      name,
      prefix,
      url,
      health: health.ok ? health.body['status'] : `down (${health.body['status']})`,
      version: version.body['version'],
      commit: version.body['commit'],
    };
  } catch (error) {
    return { name, prefix, url, health: `down (${(error as Error).message})`, version: '?', commit: '?' };
  }
}
