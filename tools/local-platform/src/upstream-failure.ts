import { STATUS_CODES } from 'node:http';

/** The service kit's error shape, so a caller cannot tell the gateway's own errors from a service's. */
export function errorBody(statusCode: number, message: string): string {
  return JSON.stringify({ statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message });
}

/** What the ALB answers for a rule whose target group has no healthy target. */
export const NO_HEALTHY_TARGET_BODY = errorBody(503, 'The service routed at this path has no ready instance');

export const BAD_GATEWAY_BODY = errorBody(502, 'The service routed at this path could not be reached');

export function gatewayTimeoutBody(timeoutMs: number): string {
  return errorBody(504, `The service routed at this path did not answer within ${timeoutMs / 1000} s`);
}

// Failures before any response: the request may not have reached the service, so an idempotent one can go again.
const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

const codeOf = (error: unknown) => (error as { code?: unknown } | undefined)?.code;

/** Whether a failed attempt never got a response because the connection failed (not a timeout). */
export function isConnectionError(error: unknown): boolean {
  return CONNECTION_ERRORS.has(codeOf(error) as string);
}

export interface UpstreamFailure {
  statusCode: 502 | 504;
  /** The caller's body: no internal address, no error code. */
  body: string;
  /** The full cause, for the gateway's log only. */
  detail: string;
}

/**
 * Maps what @fastify/reply-from reports (its own error, the network error as `cause`) to the ALB's answer:
 * 504 when the service was too slow, 502 for everything else.
 */
export function upstreamFailure(error: Error, timeoutMs: number): UpstreamFailure {
  const cause = error.cause instanceof Error ? error.cause : undefined;
  const detail = [error.message, cause?.message, codeOf(cause) ?? codeOf(error)].filter(Boolean).join(': ');
  if ((error as { statusCode?: number }).statusCode === 504) {
    return { statusCode: 504, body: gatewayTimeoutBody(timeoutMs), detail };
  }
  return { statusCode: 502, body: BAD_GATEWAY_BODY, detail };
}
