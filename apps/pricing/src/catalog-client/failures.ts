import createError from '@fastify/error';

/** A 503 whose `retryAfterSeconds` goes out as the Retry-After header: the breaker is open or catalog sheds load. */
export class CatalogUnavailableError extends createError<[string]>('PRICING_CATALOG_UNAVAILABLE', '%s', 503) {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** The caller hung up before catalog answered; nobody reads this answer, so it is logged as a 4xx, not an error. */
export const CallerGoneError = createError<[string]>('PRICING_CALLER_GONE', '%s', 499);

/**
 * What went wrong with one attempt, as the policies need to know it:
 * - connection: refused, reset, or closed mid-answer;
 * - timeout: the attempt ran past its own timeout; deadline: past the whole lookup's;
 * - status: catalog answered a 5xx; shedding: it answered 503 or 429 (load shedding, rate limit);
 * - rejected: a 4xx for our own lookup; body: the answer is not JSON or breaks the contract;
 * - cancelled: the inbound request went away.
 */
export type FailureKind =
  'connection' | 'timeout' | 'deadline' | 'status' | 'shedding' | 'rejected' | 'body' | 'cancelled';

/** One failed attempt at catalog. Its message is already safe to show: it never holds an address. */
export class CatalogFailure extends Error {
  /** Set by the retry decision when this failure is retried, after this many milliseconds. */
  retryInMs: number | undefined;

  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly status?: number,
    /** From the answer's Retry-After header. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }

  /** Worth another attempt: a failure another catalog task (or a moment) may not repeat. 503/429 only when catalog said when. */
  get retryable(): boolean {
    switch (this.kind) {
      case 'connection':
      case 'timeout':
        return true;
      case 'status':
        return this.status === 502 || this.status === 504;
      case 'shedding':
        return this.retryAfterMs !== undefined;
      default:
        return false;
    }
  }

  /** Counts against catalog's health in the circuit breaker; our own 4xx, bad bodies and hang-ups do not. */
  get countsAgainstCatalog(): boolean {
    return ['connection', 'timeout', 'deadline', 'status', 'shedding'].includes(this.kind);
  }
}
