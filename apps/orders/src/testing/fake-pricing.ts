import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Quote, QuoteRequest } from '@gantry/catalog-contract';

/** Products the fake knows, at 10.00 each; any other id is answered 422 as pricing does. */
const KNOWN = /^sku-00[1-9]$/;

export interface FakePricing {
  readonly url: string;
  /** Quotes served so far. */
  readonly quotes: () => number;
  close(): Promise<void>;
}

/** A stand-in for pricing's POST /pricing/quotes on a loopback port: real HTTP, fixed prices. */
export async function startFakePricing(): Promise<FakePricing> {
  let quotes = 0;
  const server: Server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    request.on('end', () => {
      const body = JSON.parse(raw) as QuoteRequest;
      const unknown = body.items.filter((item) => !KNOWN.test(item.productId)).map((item) => item.productId);
      response.setHeader('content-type', 'application/json');
      if (unknown.length > 0) {
        response.statusCode = 422;
        response.end(
          JSON.stringify({
            statusCode: 422,
            error: 'Unprocessable Entity',
            message: `unknown product: ${unknown.join(', ')}`,
          }),
        );
        return;
      }
      quotes += 1;
      const lines = body.items.map((item) => ({
        productId: item.productId,
        name: `Product ${item.productId}`,
        quantity: item.quantity,
        unitPriceCents: 1000,
        discountCents: 0,
        lineTotalCents: 1000 * item.quantity,
      }));
      const total = lines.reduce((sum, line) => sum + line.lineTotalCents, 0);
      const quote: Quote = {
        quoteId: `q-${quotes}`,
        currency: 'EUR',
        lines,
        subtotalCents: total,
        discountCents: 0,
        totalCents: total,
        createdAt: new Date().toISOString(),
      };
      response.end(JSON.stringify(quote));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    quotes: () => quotes,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
