import createError from '@fastify/error';

/** A deliberate upstream failure: its message is safe to show the caller. */
export const BadGatewayError = createError<[string]>('GANTRY_BAD_GATEWAY', '%s', 502);
/** A deliberate upstream timeout: its message is safe to show the caller. */
export const GatewayTimeoutError = createError<[string]>('GANTRY_GATEWAY_TIMEOUT', '%s', 504);
/** A resource that does not exist. */
export const NotFoundError = createError<[string]>('GANTRY_NOT_FOUND', '%s', 404);

/** A dependency is down for now: a 503 whose Retry-After (seconds) tells the caller when to try again. */
export class ServiceUnavailableError extends createError<[string]>('GANTRY_SERVICE_UNAVAILABLE', '%s', 503) {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}
