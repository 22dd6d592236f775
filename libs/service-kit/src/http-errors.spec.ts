import { BadGatewayError, GatewayTimeoutError, NotFoundError } from './http-errors';

describe('http errors', () => {
  it.each([
    ['BadGatewayError', BadGatewayError, 502, 'GANTRY_BAD_GATEWAY'],
    ['GatewayTimeoutError', GatewayTimeoutError, 504, 'GANTRY_GATEWAY_TIMEOUT'],
    ['NotFoundError', NotFoundError, 404, 'GANTRY_NOT_FOUND'],
  ] as const)('%s carries status %i, code %s and the given message verbatim', (_name, ErrorClass, statusCode, code) => {
    const error = new ErrorClass('upstream said 50% of "x" failed');

    expect(error).toBeInstanceOf(Error);
    expect(error.statusCode).toBe(statusCode);
    expect(error.code).toBe(code);
    expect(error.message).toBe('upstream said 50% of "x" failed');
  });
});
