/**
 * Reads a Retry-After header, in delay-seconds or as an HTTP date, into milliseconds from `now`.
 * Undefined when it is absent or unreadable: the caller then treats the answer as "no hint".
 */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  if (!/[a-z]/i.test(value)) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Whole seconds for a Retry-After header we send: rounded up, and at least 1 so callers never spin. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
