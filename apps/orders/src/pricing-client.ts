import { Quote, type QuoteRequest } from '@gantry/catalog-contract';
import { BadGatewayError, GatewayTimeoutError, REQUEST_ID_HEADER, ServiceUnavailableError } from '@gantry/service-kit';
import { Value } from '@sinclair/typebox/value';

/** Pricing refused the items themselves (an unknown product, a duplicate line): the caller's to fix. */
export class QuoteRejectedError extends Error {
  constructor(
    readonly statusCode: 400 | 422,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Prices an order through pricing's POST /pricing/quotes. No retry here: the caller retries with its
 * Idempotency-Key, and pricing already retries its own upstream within a budget.
 */
export class PricingClient {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs: number,
  ) {}

  async quote(request: QuoteRequest, requestId: string): Promise<Quote> {
    let response: Response;
    try {
      response = await fetch(new URL('/pricing/quotes', this.baseUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', [REQUEST_ID_HEADER]: requestId },
        body: JSON.stringify(request),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      if ((error as Error).name === 'TimeoutError') {
        throw new GatewayTimeoutError(`pricing did not answer within ${this.timeoutMs} ms`);
      }
      // Only the error code: undici's messages name the address it tried.
      const code = (error as { cause?: { code?: unknown } }).cause?.code;
      throw new BadGatewayError(`pricing is unavailable: ${typeof code === 'string' ? code : 'the connection failed'}`);
    }
    const body: unknown = await response.json().catch(() => undefined);
    if (response.ok) {
      if (!Value.Check(Quote, body))
        throw new BadGatewayError('pricing answered with a quote that breaks the contract');
      return body;
    }
    const message = (body as { message?: unknown } | undefined)?.message;
    if (response.status === 400 || response.status === 422) {
      throw new QuoteRejectedError(
        response.status,
        typeof message === 'string' ? message : 'pricing refused the items',
      );
    }
    if (response.status === 503) {
      const retryAfter = Number(response.headers.get('retry-after'));
      throw new ServiceUnavailableError(
        'pricing is unavailable; retry shortly',
        Number.isInteger(retryAfter) && retryAfter > 0 ? retryAfter : 1,
      );
    }
    throw new BadGatewayError(`pricing answered ${response.status}`);
  }
}
