import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { BadGatewayError } from './http-errors';
import type { RouteOptions, ServiceConfig, ServiceDefinition } from './service';

// A tiny service for the kit's own specs and process fixtures; not exported from the lib's index.

const EchoBody = Type.Object({ n: Type.Integer() }, { additionalProperties: false });
const SlowQuery = Type.Object({ ms: Type.Integer({ minimum: 0, maximum: 10_000 }) }, { additionalProperties: false });
const ItemParams = Type.Object({ id: Type.String({ maxLength: 200 }) });

const demoRoutes: FastifyPluginAsyncTypebox<RouteOptions<ServiceConfig<Record<never, never>>>> = async (app) => {
  app.post('/echo', { schema: { body: EchoBody, response: { 200: EchoBody } } }, async (request) => ({
    n: request.body.n,
  }));

  app.get('/boom', async () => {
    throw new Error('secret internals');
  });

  app.get('/slow', { schema: { querystring: SlowQuery } }, async (request) => {
    await sleep(request.query.ms);
    return { waited: request.query.ms };
  });

  app.get('/items/:id', { schema: { params: ItemParams } }, async (request) => ({ id: request.params.id }));

  app.get('/upstream', async () => {
    throw new BadGatewayError('catalog is unavailable: ECONNREFUSED');
  });
};

export const demo: ServiceDefinition = {
  entry: {
    name: 'demo',
    prefix: '/demo',
    port: 3999,
    metricsPort: 9999,
    healthPath: '/demo/ready',
    cpu: 256,
    memory: 512,
    minTasks: 1,
    maxTasks: 2,
    priority: 1,
    env: {},
    secrets: {},
  },
  manifest: { version: '1.2.3' },
  routes: demoRoutes,
};

export interface SentResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A response's status, headers and whole body. */
function collect(response: http.IncomingMessage): Promise<SentResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () =>
      resolve({
        status: response.statusCode ?? 0,
        headers: response.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      }),
    );
    response.on('error', reject);
  });
}

/** One HTTP request on its own TCP connection (no keep-alive pool), so shutdown tests see real sockets. */
export function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<SentResponse> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method: options.method ?? 'GET', headers: options.headers, agent: false },
      (response) => collect(response).then(resolve, reject),
    );
    request.on('error', reject);
    request.end(options.body);
  });
}

export interface KeptAliveResponse extends SentResponse {
  /** Which of the client's sockets carried the request, numbered from 1 in the order they were opened. */
  socket: number;
}

/**
 * A keep-alive HTTP client (Node's http.Agent with keepAlive, as a load balancer keeps its connections),
 * which records every error its sockets raise, including ones between requests.
 */
export class KeepAliveClient {
  readonly agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  readonly socketErrors: string[] = [];
  readonly closedSockets: number[] = [];
  private readonly numbers = new WeakMap<Socket, number>();
  private opened = 0;

  /** Sockets the agent holds idle for reuse. */
  idleSockets(): number {
    return Object.values(this.agent.freeSockets).reduce((sum, list) => sum + (list?.length ?? 0), 0);
  }

  get(url: string, headers: Record<string, string> = {}): Promise<KeptAliveResponse> {
    return new Promise((resolve, reject) => {
      const request = http.request(url, { agent: this.agent, headers }, (response) => {
        const socket = this.numbers.get(response.socket) ?? 0;
        collect(response).then((sent) => resolve({ ...sent, socket }), reject);
      });
      request.on('socket', (socket: Socket) => {
        if (this.numbers.has(socket)) return;
        const number = (this.opened += 1);
        this.numbers.set(socket, number);
        socket.on('error', (error: NodeJS.ErrnoException) =>
          this.socketErrors.push(`${number}: ${error.code ?? error.message}`),
        );
        socket.on('close', () => this.closedSockets.push(number));
      });
      request.on('error', reject);
      request.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Listens on a free loopback port and returns the base URL. */
export async function listenOnLoopback(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}
