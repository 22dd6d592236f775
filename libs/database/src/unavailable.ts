import { ServiceUnavailableError } from '@gantry/service-kit';

/** How long a caller should wait before retrying while the database is down: about one restart. */
export const DATABASE_RETRY_AFTER_SECONDS = 2;

// SQLSTATE classes and codes that mean "the database cannot serve now", not "this query is wrong":
// 08 connection exceptions, 57P01-03 shutdown and startup, 53300 too many connections, 57014 statement timeout.
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300', '57014']);
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
]);
// node-postgres reports these without a code.
const POOL_MESSAGES = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'Query read timeout',
  'Client has encountered a connection error',
  'Cannot use a pool after calling end',
];

/** Whether `error` means the database is unreachable or not serving, so the request may be retried later. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (code.startsWith('08') || UNAVAILABLE_STATES.has(code) || SOCKET_CODES.has(code))) {
    return true;
  }
  return typeof message === 'string' && POOL_MESSAGES.some((text) => message.includes(text));
}

/**
 * Runs `work`; an outage becomes a 503 with Retry-After whose message names no host, anything else passes
 * through. A write whose commit was cut off may or may not have landed: the caller retries with its
 * Idempotency-Key, which makes that safe.
 */
export async function whileDatabaseUp<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!isDatabaseUnavailable(error)) throw error;
    throw Object.assign(
      new ServiceUnavailableError('the database is unavailable; retry shortly', DATABASE_RETRY_AFTER_SECONDS),
      { cause: error },
    );
  }
}
