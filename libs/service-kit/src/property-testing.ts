import { STATUS_CODES } from 'node:http';
import fc from 'fast-check';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { REQUEST_ID_HEADER } from './request-id';

// Property tests over a service's whole input surface: every request a careless or hostile client could
// send to its routes is answered below 500, in the error shape when refused, and with the kit's headers.

/** What a service exposes, for generating requests to it. */
export interface ServiceSurface {
  prefix: string;
  /** Paths under the prefix, `:name` marking a path parameter. */
  paths: readonly string[];
  /** Query parameters its routes know. */
  queryKeys: readonly string[];
  /** Bodies shaped like the ones its routes take, so that some requests get past the first checks. */
  bodies?: fc.Arbitrary<unknown>;
}

/** Text sent where a value is expected: number forms `Number()` accepts, Unicode in both normal forms, junk. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      ...['1e309', '0x10', '0b1', '-0', '+5', ' 5', '5 ', '1.0', '2.5', 'Infinity', 'NaN', '', ' ', '０'],
      ...['9'.repeat(400), `-${'9'.repeat(30)}`, 'true', 'null', '[]', '{}', '__proto__', 'constructor'],
      ...['../..', '<script>', "'; drop table", 'sku-001', 'sku-0001', 'José', 'Jose\u0301', '\u212b'],
    ),
  },
  fc.integer().map(String),
  fc.double().map(String),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }).map((text) => text.normalize('NFD')),
  fc.string({ unit: 'grapheme-ascii', minLength: 60, maxLength: 300 }),
);

/** A value as it appears in a URL: properly encoded, or with stray and broken percent signs. */
const inUrl: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: hostileText.map(encodeURIComponent) },
  { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%E0%A4%A', '%C0%AF', '%00', '%2F..%2F', '%ff%fe') },
  {
    weight: 1,
    arbitrary: fc
      .tuple(hostileText, fc.constantFrom('%', '%z', '%G1'))
      .map(([text, broken]) => encodeURIComponent(text) + broken),
  },
);

function pathArbitrary(surface: ServiceSurface): fc.Arbitrary<string> {
  const known = fc
    .tuple(fc.constantFrom(...surface.paths), fc.array(inUrl, { minLength: 4, maxLength: 4 }))
    .map(([path, values]) => {
      let next = 0;
      return path.replace(/:[a-zA-Z]+/g, () => values[next++ % values.length]);
    });
  const stray = fc.array(inUrl, { minLength: 1, maxLength: 4 }).map((segments) => `/${segments.join('/')}`);
  return fc
    .tuple(
      fc.oneof({ weight: 4, arbitrary: known }, { weight: 1, arbitrary: stray }),
      fc.constantFrom('', '', '/', '//x'),
    )
    .map(([path, tail]) => `${surface.prefix}${path}${tail}`);
}

function queryArbitrary(surface: ServiceSurface): fc.Arbitrary<string> {
  const key = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...surface.queryKeys) },
    { weight: 1, arbitrary: inUrl },
  );
  return fc
    .array(fc.tuple(key, inUrl), { maxLength: 6 })
    .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([name, value]) => `${name}=${value}`).join('&')}`));
}

/** Header text as an HTTP parser lets it through: visible ASCII and Latin-1, no CR, LF or NUL. */
const headerText = fc.string({
  unit: fc
    .oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0xa0, max: 0xff }))
    .map((code) => String.fromCharCode(code)),
  maxLength: 200,
});

const headersArbitrary = fc.record(
  {
    'x-request-id': fc.oneof(headerText, fc.stringMatching(/^[A-Za-z0-9._:-]{1,128}$/)),
    'content-type': fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'application/json; charset=latin1',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json, text/plain',
      ';;;',
    ),
    accept: fc.constantFrom('*/*', 'application/json', 'text/html', ''),
    'accept-version': fc.constantFrom('1.0.0', 'x'),
    'x-forwarded-for': headerText,
  },
  { requiredKeys: [] },
);

const bodyArbitrary = (surface: ServiceSurface): fc.Arbitrary<string | undefined> =>
  fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 3, arbitrary: (surface.bodies ?? fc.jsonValue()).map((body) => JSON.stringify(body)) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((body) => JSON.stringify(body)) },
    { weight: 1, arbitrary: hostileText },
    {
      weight: 1,
      arbitrary: fc.constantFrom('{"items": [', '{"__proto__": {"x": 1}}', '{"constructor": {"prototype": {}}}'),
    },
    { weight: 1, arbitrary: fc.nat({ max: 5000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`) },
  );

/** Requests to every route of a service, and around them: any method, path, query, headers and body. */
export function requestsTo(surface: ServiceSurface): fc.Arbitrary<InjectOptions> {
  return fc
    .record({
      method: fc.constantFrom('GET', 'GET', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'),
      path: pathArbitrary(surface),
      query: queryArbitrary(surface),
      headers: headersArbitrary,
      body: bodyArbitrary(surface),
    })
    .map(({ method, path, query, headers, body }) => ({
      method: method as InjectOptions['method'],
      url: `${path}${query}`,
      headers,
      ...(body === undefined ? {} : { payload: body }),
    }));
}

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * What is wrong with a response by the kit's contract: no 5xx; a refusal in the shape
 * `{ statusCode, error, message }`; the security headers and a request id on every answer.
 */
export function responseProblems(
  request: InjectOptions,
  response: LightMyRequestResponse,
  securityHeaders: Readonly<Record<string, string>>,
): string[] {
  const problems: string[] = [];
  const status = response.statusCode;
  if (status >= 500) problems.push(`answered ${status}: ${response.body.slice(0, 200)}`);
  if (status >= 400 && request.method !== 'HEAD') {
    problems.push(...errorShapeProblems(status, response));
  }
  for (const [name, value] of Object.entries(securityHeaders)) {
    if (response.headers[name] !== value) problems.push(`header ${name} is ${String(response.headers[name])}`);
  }
  const id = response.headers[REQUEST_ID_HEADER];
  if (typeof id !== 'string' || !SAFE_REQUEST_ID.test(id)) problems.push(`request id is ${String(id)}`);
  return problems;
}

function errorShapeProblems(status: number, response: LightMyRequestResponse): string[] {
  if (response.headers['content-type'] !== 'application/json; charset=utf-8') {
    return [`a ${status} answered as ${String(response.headers['content-type'])}`];
  }
  let body: unknown;
  try {
    body = JSON.parse(response.body);
  } catch {
    return [`a ${status} answered a body that is not JSON: ${response.body.slice(0, 200)}`];
  }
  const { statusCode, error, message, ...rest } = (body ?? {}) as Record<string, unknown>;
  const problems: string[] = [];
  if (statusCode !== status) problems.push(`a ${status} says statusCode ${String(statusCode)}`);
  if (error !== STATUS_CODES[status]) problems.push(`a ${status} says error ${String(error)}`);
  if (typeof message !== 'string' || message.length === 0) problems.push(`a ${status} has no message`);
  if (Object.keys(rest).length > 0) problems.push(`a ${status} has extra fields ${Object.keys(rest).join(', ')}`);
  return problems;
}
