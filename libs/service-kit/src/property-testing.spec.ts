import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import fc from 'fast-check';
import { requestsTo, responseProblems } from './property-testing';

const SECURITY = { 'x-frame-options': 'SAMEORIGIN' };

function response(statusCode: number, body: string, headers: Record<string, string> = {}): LightMyRequestResponse {
  return {
    statusCode,
    body,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'x-frame-options': 'SAMEORIGIN',
      'x-request-id': 'r-1',
      ...headers,
    },
  } as unknown as LightMyRequestResponse;
}

const get: InjectOptions = { method: 'GET', url: '/x' };

describe('responseProblems', () => {
  it('finds nothing wrong with a 200 or a refusal in the error shape', () => {
    expect(responseProblems(get, response(200, '{"ok":true}'), SECURITY)).toEqual([]);
    expect(
      responseProblems(get, response(404, '{"statusCode":404,"error":"Not Found","message":"no"}'), SECURITY),
    ).toEqual([]);
  });

  it('reports a 5xx', () => {
    expect(
      responseProblems(
        get,
        response(500, '{"statusCode":500,"error":"Internal Server Error","message":"x"}'),
        SECURITY,
      ),
    ).toEqual(['answered 500: {"statusCode":500,"error":"Internal Server Error","message":"x"}']);
  });

  it("reports a refusal in Fastify's own shape, with its code field", () => {
    const body = '{"error":"Bad Request","code":"FST_ERR_BAD_URL","message":"bad","statusCode":400}';

    expect(responseProblems(get, response(400, body), SECURITY)).toEqual(['a 400 has extra fields code']);
  });

  it('reports a refusal whose reason phrase or status does not match', () => {
    const body = '{"statusCode":400,"error":"Oops","message":"bad"}';

    expect(responseProblems(get, response(413, body), SECURITY)).toEqual([
      'a 413 says statusCode 400',
      'a 413 says error Oops',
    ]);
  });

  it('reports a refusal that is not JSON', () => {
    expect(responseProblems(get, response(400, 'nope', { 'content-type': 'text/plain' }), SECURITY)).toEqual([
      'a 400 answered as text/plain',
    ]);
  });

  it('reports a missing security header and a missing request id', () => {
    const bare = { statusCode: 200, body: '', headers: {} } as unknown as LightMyRequestResponse;

    expect(responseProblems(get, bare, SECURITY)).toEqual([
      'header x-frame-options is undefined',
      'request id is undefined',
    ]);
  });

  it('does not look for a body on a refused HEAD request', () => {
    expect(responseProblems({ ...get, method: 'HEAD' }, response(404, ''), SECURITY)).toEqual([]);
  });
});

describe('requestsTo', () => {
  it('fills every path parameter and keeps every request under the prefix', () => {
    const surface = { prefix: '/shop', paths: ['/items/:id', '/items/:id/parts/:part'], queryKeys: ['limit'] };

    fc.assert(
      fc.property(requestsTo(surface), (request) => {
        expect(request.url).toMatch(/^\/shop\//);
        expect(request.url).not.toContain(':id');
        expect(request.url).not.toContain(':part');
      }),
      { numRuns: 200 },
    );
  });
});
