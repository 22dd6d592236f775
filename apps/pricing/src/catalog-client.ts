import type { Product, ProductPage } from '@gantry/catalog-contract';
import { BadGatewayError, GatewayTimeoutError, REQUEST_ID_HEADER } from '@gantry/service-kit';
import {
  bulkhead,
  circuitBreaker,
  ConsecutiveBreaker,
  DelegateBackoff,
  ExponentialBackoff,
  handleWhen,
  isBrokenCircuitError,
  isBulkheadRejectedError,
  isTaskCancelledError,
  retry,
  timeout,
  TimeoutStrategy,
  wrap,
  type CircuitBreakerPolicy,
  type IBackoff,
  type IPolicy,
  type IRetryBackoffContext,
  type RetryPolicy,
  type TimeoutPolicy,
} from 'cockatiel';
import { CallerGoneError, CatalogFailure, CatalogUnavailableError } from './catalog-client/failures';
import { readProductPage } from './catalog-client/read-product-page';
import { retryAfterMs, retryAfterSeconds } from './catalog-client/retry-after';
import { RetryBudget } from './catalog-client/retry-budget';

export interface CatalogClientOptions {
  readonly baseUrl: string;
  /** One attempt, from sending the request to the last byte of the answer. */
  readonly timeoutMs: number;
  /** The whole lookup: every attempt, backoff and Retry-After wait. */
  readonly deadlineMs: number;
  /** Retries after the first attempt, at most. */
  readonly retries: number;
  /** Retries may add at most this share of the calls made over 10 s (at least 5 retries per 10 s are allowed). */
  readonly retryBudgetPercent: number;
  /** Consecutive failed attempts that open the circuit breaker. */
  readonly breakerFailures: number;
  /** How long the breaker stays open before one probe may go through. */
  readonly breakerCooldownMs: number;
  /** Calls in flight to catalog at once, which bounds its connections; up to 10× as many wait for a slot. */
  readonly concurrency: number;
  /**
   * The first retry's backoff, before jitter; later ones grow exponentially up to 1 s.
   * @default 100
   */
  readonly backoffMs?: number;
  readonly log?: { warn(details: object, message: string): void; info(details: object, message: string): void };
}

export interface LookupOptions {
  /** Forwarded as x-request-id. */
  readonly requestId: string;
  /** The inbound request's: when its caller hangs up, the call to catalog is cancelled. */
  readonly signal?: AbortSignal;
}

/** One lookup's state across its attempts. */
interface Lookup {
  readonly inbound?: AbortSignal;
  readonly deadlineAt: number;
  attempts: number;
  backoff?: IBackoff<unknown>;
}

const BUDGET_WINDOW_MS = 10_000;
const BUDGET_MIN_RETRIES = 5;
const QUEUE_PER_SLOT = 10;
const MAX_BACKOFF_MS = 1_000;
/** A retry that would get less time than this before the deadline is not worth sending. */
const MIN_ATTEMPT_MS = 50;
/** Error answers up to this size are read to the end so their connection can be reused; larger ones are cut. */
const DRAIN_LIMIT_BYTES = 64 * 1024;
/** A 503 or 429 without a usable Retry-After is passed on with this one. */
const DEFAULT_RETRY_AFTER_MS = 1_000;

/**
 * Fetches products from catalog over HTTP without amplifying its failures. The cockatiel policies, outermost first:
 * 1. deadline (aggressive timeout), derived from the inbound request's signal: a caller hanging up or the deadline
 *    passing ends the lookup at once and cancels whatever is in flight, a backoff wait included;
 * 2. retry: connection errors, per-attempt timeouts, 502 and 504 after a jittered exponential backoff, and 503/429
 *    after their Retry-After; a retry must also fit in the deadline and in the retry budget;
 * 3. bulkhead: caps the calls in flight, and so catalog's connections; it sits outside the breaker so that calls
 *    queued while catalog was healthy meet an opened circuit when their turn comes, and are not counted as its
 *    failures when they are turned away;
 * 4. circuit breaker: inside the retry, so it counts every attempt and an open circuit ends the retrying at once;
 * 5. per-attempt timeout (cooperative): fetch honours its signal, so the attempt ends with its socket released.
 */
export class CatalogClient {
  private readonly budget: RetryBudget;
  private readonly backoff: ExponentialBackoff<unknown>;
  private readonly deadline: TimeoutPolicy;
  private readonly retry: RetryPolicy;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly attempt: IPolicy;
  private openedAt = 0;

  constructor(private readonly options: CatalogClientOptions) {
    this.budget = new RetryBudget({
      ratio: options.retryBudgetPercent / 100,
      minRetries: BUDGET_MIN_RETRIES,
      windowMs: BUDGET_WINDOW_MS,
    });
    this.backoff = new ExponentialBackoff({ initialDelay: options.backoffMs ?? 100, maxDelay: MAX_BACKOFF_MS });
    this.deadline = timeout(options.deadlineMs, TimeoutStrategy.Aggressive);
    // The retry decision (kind, deadline, budget) is made per lookup in `lookup`, which stamps `retryInMs`.
    this.retry = retry(
      handleWhen((error) => error instanceof CatalogFailure && error.retryInMs !== undefined),
      {
        maxAttempts: options.retries,
        backoff: new DelegateBackoff<IRetryBackoffContext<unknown>>(({ result }) =>
          'error' in result && result.error instanceof CatalogFailure ? (result.error.retryInMs ?? 0) : 0,
        ),
      },
    );
    this.breaker = circuitBreaker(
      handleWhen((error) => error instanceof CatalogFailure && error.countsAgainstCatalog),
      { halfOpenAfter: options.breakerCooldownMs, breaker: new ConsecutiveBreaker(options.breakerFailures) },
    );
    this.breaker.onBreak(() => {
      this.openedAt = Date.now();
      options.log?.warn({ cooldownMs: options.breakerCooldownMs }, 'catalog circuit opened');
    });
    this.breaker.onReset(() => options.log?.info({}, 'catalog circuit closed'));
    this.attempt = wrap(
      bulkhead(options.concurrency, options.concurrency * QUEUE_PER_SLOT),
      this.breaker,
      // It also aborts the attempt's signal once the attempt returns: a second guard against an unread body.
      timeout(options.timeoutMs, TimeoutStrategy.Cooperative),
    );
  }

  async productsById(ids: readonly string[], options: LookupOptions): Promise<Map<string, Product>> {
    const url = new URL('/catalog/products', this.options.baseUrl);
    for (const id of ids) url.searchParams.append('ids', id);
    url.searchParams.set('limit', '100');
    const page = await this.lookup(url, options);
    return new Map(page.items.map((product) => [product.id, product]));
  }

  private async lookup(url: URL, { requestId, signal: inbound }: LookupOptions): Promise<ProductPage> {
    const lookup: Lookup = { inbound, deadlineAt: Date.now() + this.options.deadlineMs, attempts: 0 };
    this.budget.recordCall();
    try {
      return await this.deadline.execute(
        ({ signal: deadline }) =>
          this.retry.execute(async ({ attempt }) => {
            try {
              return await this.attempt.execute(
                ({ signal }) => this.fetchPage(url, requestId, signal, deadline, lookup),
                deadline,
              );
            } catch (error) {
              if (error instanceof CatalogFailure) error.retryInMs = this.retryDelay(error, attempt, lookup);
              throw error;
            }
          }, deadline),
        inbound,
      );
    } catch (error) {
      throw this.publicError(error, lookup);
    }
  }

  /** How long to wait before retrying `failure`, or undefined when it must not be retried. */
  private retryDelay(failure: CatalogFailure, attempt: number, lookup: Lookup): number | undefined {
    if (!failure.retryable || attempt >= this.options.retries) return undefined;
    let wait = failure.retryAfterMs;
    if (wait === undefined) {
      lookup.backoff = lookup.backoff ? lookup.backoff.next(undefined) : this.backoff.next();
      wait = lookup.backoff.duration;
    }
    if (Date.now() + wait + MIN_ATTEMPT_MS > lookup.deadlineAt) return undefined;
    return this.budget.tryRetry() ? wait : undefined;
  }

  private async fetchPage(
    url: URL,
    requestId: string,
    signal: AbortSignal,
    deadline: AbortSignal,
    lookup: Lookup,
  ): Promise<ProductPage> {
    const cut = (error: unknown, midAnswer: boolean) =>
      this.transportFailure(error, signal, deadline, lookup, midAnswer);
    if (signal.aborted) throw cut(signal.reason, false);
    lookup.attempts += 1;
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { accept: 'application/json', [REQUEST_ID_HEADER]: requestId },
        signal,
      });
    } catch (error) {
      throw cut(error, false);
    }
    try {
      if (!response.ok) throw statusFailure(response);
      let text: string;
      try {
        text = await response.text();
      } catch (error) {
        throw cut(error, true);
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new CatalogFailure('body', 'catalog answered with a body that is not JSON');
      }
      const reading = readProductPage(body);
      if ('problem' in reading) {
        throw new CatalogFailure('body', `catalog answered with a body that breaks the contract (${reading.problem})`);
      }
      return reading.page;
    } finally {
      // An unread body pins its socket until garbage collection: read a small one so the connection is reused, cut the rest.
      if (!response.bodyUsed) await discard(response);
    }
  }

  private transportFailure(
    error: unknown,
    signal: AbortSignal,
    deadline: AbortSignal,
    lookup: Lookup,
    midAnswer: boolean,
  ): CatalogFailure {
    if (lookup.inbound?.aborted) return new CatalogFailure('cancelled', 'the caller closed the request');
    if (deadline.aborted) return new CatalogFailure('deadline', 'the lookup ran out of time');
    if (signal.aborted) return new CatalogFailure('timeout', 'the attempt timed out');
    // Only the error code: undici's messages name the address it tried.
    const code = (error as { cause?: { code?: unknown } }).cause?.code;
    const reason = typeof code === 'string' ? code : 'the connection failed';
    return new CatalogFailure('connection', midAnswer ? `the connection broke mid-answer (${reason})` : reason);
  }

  /** Turns whatever ended the lookup into the kit's error shape; messages say what happened, never where. */
  private publicError(error: unknown, lookup: Lookup): Error {
    const tries = `${lookup.attempts} attempt${lookup.attempts === 1 ? '' : 's'}`;
    if (lookup.inbound?.aborted) return new CallerGoneError('the caller closed the request before catalog answered');
    if (isBrokenCircuitError(error)) {
      const waitMs = this.options.breakerCooldownMs - (Date.now() - this.openedAt);
      const seconds = retryAfterSeconds(waitMs);
      return new CatalogUnavailableError(
        `catalog is failing, so pricing is not calling it for the next ${seconds} s (circuit open)`,
        seconds,
      );
    }
    if (isBulkheadRejectedError(error)) {
      return new CatalogUnavailableError('too many catalog lookups are already in flight', 1);
    }
    if (isTaskCancelledError(error)) {
      return new GatewayTimeoutError(
        `catalog did not answer within the ${this.options.deadlineMs} ms deadline (${tries})`,
      );
    }
    if (!(error instanceof CatalogFailure)) return error as Error;
    switch (error.kind) {
      case 'timeout':
        return new GatewayTimeoutError(`catalog did not answer within ${this.options.timeoutMs} ms (${tries})`);
      case 'deadline':
        return new GatewayTimeoutError(
          `catalog did not answer within the ${this.options.deadlineMs} ms deadline (${tries})`,
        );
      case 'connection':
        return new BadGatewayError(`catalog is unavailable: ${error.message} (${tries})`);
      case 'status':
        return new BadGatewayError(`catalog is unavailable: it answered ${error.status} (${tries})`);
      case 'shedding': {
        const seconds = retryAfterSeconds(error.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS);
        return new CatalogUnavailableError(
          `catalog is shedding load (it answered ${error.status}); retry after ${seconds} s`,
          seconds,
        );
      }
      case 'rejected':
        return new BadGatewayError(`catalog rejected the lookup with ${error.status}`);
      case 'cancelled':
        return new CallerGoneError('the caller closed the request before catalog answered');
      case 'body':
        return new BadGatewayError(error.message);
    }
  }
}

function statusFailure(response: Response): CatalogFailure {
  const { status } = response;
  if (status === 503 || status === 429) {
    const after = retryAfterMs(response.headers.get('retry-after'));
    return new CatalogFailure('shedding', `catalog answered ${status}`, status, after);
  }
  if (status >= 500) return new CatalogFailure('status', `catalog answered ${status}`, status);
  return new CatalogFailure('rejected', `catalog answered ${status}`, status);
}

async function discard(response: Response): Promise<void> {
  const length = Number(response.headers.get('content-length') ?? Number.NaN);
  try {
    if (length <= DRAIN_LIMIT_BYTES) await response.arrayBuffer();
    else await response.body?.cancel();
  } catch {
    // The body broke or was aborted: its connection is already gone, which is all this was for.
  }
}
