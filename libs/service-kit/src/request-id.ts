import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';

// Caller ids are honoured only when short and plain, so a hostile header cannot forge log lines.
const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Fastify `genReqId`: the caller's x-request-id when it is safe, else a new UUID. It is echoed by the response headers plugin. */
export function requestIdFrom(request: IncomingMessage): string {
  const header = request.headers[REQUEST_ID_HEADER];
  return typeof header === 'string' && SAFE_ID.test(header) ? header : randomUUID();
}
