import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { Type } from '@sinclair/typebox';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { REQUEST_ID_HEADER } from './request-id';
import { applyResponseHeaders } from './response-headers';

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
}

/** The error shape as a response schema, for routes that answer an error status themselves. */
export const ErrorBodySchema = Type.Object({
  statusCode: Type.Integer(),
  error: Type.String(),
  message: Type.String(),
});

export function errorBody(statusCode: number, message: string): ErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
}

// A 5xx message is shown only when the error was raised on purpose with a code (502/503/504 from
// our own errors); anything else could leak internals, so it gets a fixed text.
function publicMessage(error: FastifyError, statusCode: number): string {
  if (statusCode < 500) return error.message;
  if (statusCode !== 500 && typeof error.code === 'string') return error.message;
  return 'An unexpected error occurred';
}

function statusOf(error: FastifyError): number {
  const raw = error.statusCode ?? 500;
  return raw >= 400 && raw < 600 ? raw : 500;
}

// The body is serialized here rather than by the route's response schema, whose shape for the same status
// may differ (readiness once failed with FST_ERR_FAILED_ERROR_SERIALIZATION and answered 500 instead of 503).
function sendError(request: FastifyRequest, reply: FastifyReply, error: FastifyError): void {
  const statusCode = statusOf(error);
  if (statusCode >= 500) request.log.error({ err: error }, 'request failed');
  else request.log.info({ code: error.code, message: error.message }, 'request rejected');
  const retryAfter = (error as { retryAfterSeconds?: unknown }).retryAfterSeconds;
  if (statusCode === 503 && typeof retryAfter === 'number') void reply.header('retry-after', String(retryAfter));
  void reply
    .code(statusCode)
    .type('application/json; charset=utf-8')
    .send(JSON.stringify(errorBody(statusCode, publicMessage(error, statusCode))));
}

/**
 * Fastify's `frameworkErrors`: a URL that cannot be decoded (FST_ERR_BAD_URL), a path parameter over
 * `maxParamLength` (414) and the like are answered before any route or hook runs, so the kit's headers
 * are put on here.
 */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  if (request.server.hasDecorator('securityHeaders')) applyResponseHeaders(request.server, request, reply);
  sendError(request, reply, error);
}

/**
 * Fastify's `clientErrorHandler`, for requests Node's HTTP parser rejects before Fastify sees them
 * (malformed request line, headers over the size limit, request timeout). The response is written on
 * the socket by hand, in the kit's shape and with its headers; the request id is new, as the caller's
 * headers could not be parsed.
 */
export function clientErrorHandler(this: FastifyInstance, error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const statusCode = clientErrorStatus(error);
  this.log.info({ code: error.code, statusCode }, 'client error');
  if (socket.writable) {
    const body = JSON.stringify(errorBody(statusCode, clientErrorMessage(statusCode)));
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(body)),
      ...(this.hasDecorator('securityHeaders') ? this.securityHeaders : {}),
      [REQUEST_ID_HEADER]: randomUUID(),
      connection: 'close',
    };
    const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
    socket.write(`HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode]}\r\n${head.join('')}\r\n${body}`);
  }
  socket.destroy(error);
}

// Node reports a request line that alone overflows the header limit as a header overflow; it is a long URI.
const LONG_REQUEST_LINE = 8 * 1024;

function clientErrorStatus(error: NodeJS.ErrnoException & { rawPacket?: Buffer }): number {
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    const lineEnd = error.rawPacket?.indexOf('\r\n') ?? -1;
    const lineLength = lineEnd === -1 ? (error.rawPacket?.length ?? 0) : lineEnd;
    return lineLength > LONG_REQUEST_LINE ? 414 : 431;
  }
  return 400;
}

function clientErrorMessage(statusCode: number): string {
  if (statusCode === 408) return 'The request took too long to arrive';
  if (statusCode === 414) return 'The request line is too long';
  if (statusCode === 431) return 'The request headers are too large';
  return 'The request could not be parsed as HTTP';
}

/** One JSON error shape, `{ statusCode, error, message }`, for every failure including 404; never a stack. */
export const errorsPlugin = fp(
  async function errors(app: FastifyInstance) {
    app.setErrorHandler((error: FastifyError, request, reply) => sendError(request, reply, error));
    app.setNotFoundHandler((request, reply) => {
      void reply.code(404).send(errorBody(404, `Route ${request.method} ${request.url.split('?')[0]} not found`));
    });
  },
  { name: 'gantry-errors' },
);
