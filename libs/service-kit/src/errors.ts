import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
}

export function errorBody(statusCode: number, message: string): ErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
}

// A 5xx message is shown only when the error was raised on purpose with a code (502/503/504 from
// our own errors or under-pressure); anything else could leak internals, so it gets a fixed text.
function publicMessage(error: FastifyError, statusCode: number): string {
  if (statusCode < 500) return error.message;
  if (statusCode !== 500 && typeof error.code === 'string') return error.message;
  return 'An unexpected error occurred';
}

/** One JSON error shape, `{ statusCode, error, message }`, for every failure including 404; never a stack. */
export const errorsPlugin = fp(
  async function errors(app: FastifyInstance) {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      const raw = error.statusCode ?? 500;
      const statusCode = raw >= 400 && raw < 600 ? raw : 500;
      if (statusCode >= 500) request.log.error({ err: error }, 'request failed');
      else request.log.info({ code: error.code, message: error.message }, 'request rejected');
      void reply
        .code(statusCode)
        .type('application/json')
        .send(errorBody(statusCode, publicMessage(error, statusCode)));
    });
    app.setNotFoundHandler((request, reply) => {
      void reply.code(404).send(errorBody(404, `Route ${request.method} ${request.url.split('?')[0]} not found`));
    });
  },
  { name: 'gantry-errors' },
);
