import { ProductPage, type Product } from '@gantry/catalog-contract';
import { BadGatewayError, GatewayTimeoutError, REQUEST_ID_HEADER } from '@gantry/service-kit';
import { Value } from '@sinclair/typebox/value';

export interface CatalogClientOptions {
  baseUrl: string;
  /** Per attempt; the whole call is bounded by (retries + 1) × timeout plus backoff. */
  timeoutMs: number;
  retries: number;
  backoffMs?: number;
}

class RetryableError extends Error {
  constructor(
    message: string,
    readonly timedOut: boolean,
  ) {
    super(message);
  }
}

/** Fetches products from the catalog service over HTTP, with a timeout per attempt and bounded retries. */
export class CatalogClient {
  constructor(private readonly options: CatalogClientOptions) {}

  async productsById(ids: readonly string[], requestId: string): Promise<Map<string, Product>> {
    const url = new URL('/catalog/products', this.options.baseUrl);
    for (const id of ids) url.searchParams.append('ids', id);
    url.searchParams.set('limit', '100');
    const page = await this.getJson(url, requestId);
    return new Map(page.items.map((product) => [product.id, product]));
  }

  private async getJson(url: URL, requestId: string): Promise<ProductPage> {
    const { retries, backoffMs = 100 } = this.options;
    let last: RetryableError | undefined;
    for (let attempt = 0; attempt <= retries; attempt += 1) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, backoffMs * 2 ** (attempt - 1)));
      try {
        return await this.attempt(url, requestId);
      } catch (error) {
        if (!(error instanceof RetryableError)) throw error;
        last = error;
      }
    }
    const tries = `${retries + 1} attempt${retries === 0 ? '' : 's'}`;
    if (last?.timedOut) {
      throw new GatewayTimeoutError(`catalog did not answer within ${this.options.timeoutMs} ms (${tries})`);
    }
    throw new BadGatewayError(`catalog is unavailable: ${last?.message} (${tries})`);
  }

  private async attempt(url: URL, requestId: string): Promise<ProductPage> {
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { accept: 'application/json', [REQUEST_ID_HEADER]: requestId },
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError';
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      throw new RetryableError(timedOut ? 'timed out' : (cause ?? (error as Error).message), timedOut);
    }
    if (response.status >= 500) throw new RetryableError(`it answered ${response.status}`, false);
    if (!response.ok) throw new BadGatewayError(`catalog rejected the lookup with ${response.status}`);
    let body: unknown;
    try {
      body = await response.json();
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError';
      if (timedOut) throw new RetryableError('timed out', true);
      throw new BadGatewayError('catalog answered with a body that is not JSON');
    }
    if (!Value.Check(ProductPage, body))
      throw new BadGatewayError('catalog answered with a body that breaks the contract');
    return body;
  }
}
