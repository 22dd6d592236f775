import autocannon from 'autocannon';

export interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST';
  body?: string;
  headers?: Record<string, string>;
  connections?: number;
  /** The bound: the load stops when the work ends, or after this many seconds. */
  maxSeconds?: number;
}

export interface LoadReport<T> {
  /** What the work resolved with, or the error it threw. */
  result: T | Error;
  requests: number;
  non2xx: number;
  errors: number;
  /** Every distinct `version` field the answers carried (a service's own responses, or its version route). */
  versions: Set<string>;
}

/**
 * Runs `work` under bounded autocannon load on loopback and reports what the load saw: total requests, non-2xx
 * answers, connection errors, and the versions that answered. The load stops as soon as the work ends.
 */
export async function underLoad<T>(options: LoadOptions, work: () => Promise<T>): Promise<LoadReport<T>> {
  const versions = new Set<string>();
  let load: autocannon.Instance | undefined;
  const finished = new Promise<autocannon.Result>((done, fail) => {
    load = autocannon(
      {
        url: options.url,
        method: options.method ?? 'GET',
        body: options.body,
        headers: options.headers,
        connections: options.connections ?? 8,
        duration: options.maxSeconds ?? 90,
        setupClient: (client) =>
          client.on('body', (body: Buffer) => {
            const version = parseVersion(body);
            if (version !== undefined) versions.add(version);
          }),
      },
      (error, result) => (error ? fail(error) : done(result)),
    );
  });
  const result = await work().catch((error: Error) => error);
  load?.stop();
  const { requests, non2xx, errors } = await finished;
  return { result, requests: requests.total, non2xx, errors, versions };
}

function parseVersion(body: Buffer): string | undefined {
  try {
    const version = (JSON.parse(body.toString()) as { version?: unknown }).version;
    return typeof version === 'string' ? version : undefined;
  } catch {
    return undefined;
  }
}
