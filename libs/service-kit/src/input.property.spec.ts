import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { demo, listenOnLoopback } from './test-fixture';
import { buildTestService, requestsTo, responseProblems } from './testing';

const RUNS = 1000;

describe('the demo service under arbitrary input', () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    app = await buildTestService(demo, { BODY_LIMIT_BYTES: '4096' });
    await listenOnLoopback(app);
  });
  afterAll(() => app.close());

  it(`answers ${RUNS} arbitrary requests below 500, refusals in the error shape, all with the kit's headers`, async () => {
    const surface = {
      prefix: '/demo',
      paths: ['/echo', '/items/:id', '/health', '/ready', '/version'],
      queryKeys: ['ms'],
      bodies: fc.record({ n: fc.oneof(fc.integer(), fc.double(), fc.string()) }, { requiredKeys: [] }),
    };
    // /boom and /upstream fail on purpose and /slow waits as long as it is told; they are left out.
    await fc.assert(
      fc.asyncProperty(requestsTo(surface), async (request) => {
        const response = await app.inject(request);
        expect(responseProblems(request, response, app.securityHeaders)).toEqual([]);
      }),
      { numRuns: RUNS },
    );

    expect((await app.inject({ method: 'GET', url: '/demo/health' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/demo/ready' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/demo/echo', payload: { n: 1 } })).json()).toEqual({ n: 1 });
  }, 60_000);
});
