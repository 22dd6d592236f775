import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Product, ProductPage } from '@gantry/catalog-contract';

/** What the stand-in catalog holds. */
export const PRODUCTS: readonly Product[] = [
  { id: 'sku-001', name: 'Claw hammer', category: 'tools', priceCents: 1899, currency: 'EUR', inStock: true },
  { id: 'sku-002', name: 'Cordless drill', category: 'tools', priceCents: 8950, currency: 'EUR', inStock: true },
  { id: 'sku-023', name: 'Notebook A5', category: 'office', priceCents: 450, currency: 'EUR', inStock: true },
];

/** How the stand-in answers one request. `closed` resolves when the caller's side of it goes away. */
export type Behaviour = (request: IncomingMessage, response: ServerResponse, closed: Promise<void>) => unknown;

function pageFor(request: IncomingMessage): ProductPage {
  const wanted = new Set(new URL(request.url ?? '/', 'http://catalog').searchParams.getAll('ids'));
  const items = PRODUCTS.filter((product) => wanted.has(product.id));
  return { items, total: items.length, limit: 100, offset: 0 };
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

/** Resolves after `ms`, or as soon as the caller hangs up, so no timer outlives its request. */
function pause(ms: number, closed: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))), closed]).finally(() =>
    clearTimeout(timer),
  );
}

/** The faults a real catalog (or the network to it) can show. */
export const behave = {
  /** The page of the requested ids; `reshape` rewrites each product on the way out. */
  products:
    (reshape: (product: Product) => object = (product) => product): Behaviour =>
    (request, response) =>
      sendJson(response, 200, { ...pageFor(request), items: pageFor(request).items.map(reshape) }),
  /** An error status with a small JSON body, as Fastify sends it, or with `padding` bytes more (an HTML error page). */
  status:
    (status: number, headers: Record<string, string> = {}, padding = 0): Behaviour =>
    (_request, response) =>
      sendJson(
        response,
        status,
        { statusCode: status, error: 'Error', message: 'internal detail', padding: 'x'.repeat(padding) },
        headers,
      ),
  /** Waits `ms` before behaving as `then` (the caller usually gives up first). */
  slow:
    (ms: number, then: Behaviour = behave.products()): Behaviour =>
    async (request, response, closed) => {
      await pause(ms, closed);
      if (!response.destroyed) await then(request, response, closed);
    },
  /** Destroys the connection as soon as the request arrives. */
  reset: (): Behaviour => (request) => request.socket.destroy(),
  /** Sends the headers and the start of the body, then nothing until the caller hangs up. */
  stalledBody: (): Behaviour => async (_request, response, closed) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.write('{"items":[');
    await closed;
  },
  /** Declares the whole body's length, sends half of it, then drops the connection. */
  partialBody: (): Behaviour => (request, response) => {
    const text = JSON.stringify(pageFor(request));
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    response.write(text.slice(0, Math.floor(text.length / 2)), () => request.socket.destroy());
  },
};

export interface CatalogRequest {
  readonly url: string;
  readonly requestId: string | undefined;
  /** The connection closed before the answer was complete: the caller hung up, or the fault cut it. */
  closedEarly: boolean;
}

/** A real HTTP server on 127.0.0.1 whose behaviour each test sets, counting requests and open sockets. */
export class MisbehavingCatalog {
  behaviour: Behaviour = behave.products();
  readonly requests: CatalogRequest[] = [];
  /** Each open socket, with how many of its requests are still unanswered. */
  private readonly sockets = new Map<Socket, number>();
  private peak = 0;

  private constructor(private readonly server: ReturnType<typeof createServer>) {
    server.on('connection', (socket) => {
      this.sockets.set(socket, 0);
      this.peak = Math.max(this.peak, this.sockets.size);
      socket.once('close', () => this.sockets.delete(socket));
    });
    server.on('request', (request, response) => {
      const record: CatalogRequest = {
        url: request.url ?? '',
        requestId: request.headers['x-request-id'] as string | undefined,
        closedEarly: false,
      };
      this.requests.push(record);
      const { socket } = request;
      this.sockets.set(socket, (this.sockets.get(socket) ?? 0) + 1);
      const closed = new Promise<void>((resolve) =>
        response.once('close', () => {
          record.closedEarly = !response.writableFinished;
          if (this.sockets.has(socket)) this.sockets.set(socket, (this.sockets.get(socket) ?? 1) - 1);
          resolve();
        }),
      );
      void Promise.resolve(this.behaviour(request, response, closed)).catch(() => request.socket.destroy());
    });
  }

  static async start(): Promise<MisbehavingCatalog> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new MisbehavingCatalog(server);
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Sockets open right now, from the server's side. */
  get openSockets(): number {
    return this.sockets.size;
  }

  /** The most sockets open at once since the last `forget()`. */
  get peakSockets(): number {
    return this.peak;
  }

  /** Answers normally again and starts counting afresh, with no connection left from earlier callers. */
  async forget(): Promise<void> {
    this.behaviour = behave.products();
    await this.dropConnections();
    // Let the callers' side see those closes too, so none of them sends on a dead connection.
    await new Promise((resolve) => setTimeout(resolve, 20));
    this.requests.length = 0;
    this.peak = 0;
  }

  /**
   * Keeps dropping every connection with no unanswered request (kept-alive ones, and spares a client opens
   * after cutting one) until none is open; throws when one stays mid-answer, like a stalled body nobody cancelled.
   */
  async dropConnections(timeoutMs = 1_000): Promise<void> {
    await this.waitFor(
      'every connection to be idle',
      () => {
        for (const [socket, unanswered] of this.sockets) if (unanswered === 0) socket.destroy();
        return this.sockets.size === 0;
      },
      timeoutMs,
    );
  }

  /** Polls `condition` every 10 ms; throws after `timeoutMs` naming what it waited for. */
  async waitFor(what: string, condition: () => boolean, timeoutMs = 2_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > until) throw new Error(`catalog stand-in: gave up after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
