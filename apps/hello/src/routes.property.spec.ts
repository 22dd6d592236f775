import { buildTestService, hostileText, requestsTo, responseProblems } from '@gantry/service-kit/testing';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { hello } from './service';

const RUNS = 1000;

describe('hello under arbitrary input', () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    app = await buildTestService(hello);
    await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => app.close());

  it(`answers ${RUNS} arbitrary requests below 500, refusals in the error shape, all with the kit's headers`, async () => {
    const surface = {
      prefix: '/hello',
      paths: ['', '/', '/greet', '/health', '/ready', '/version'],
      queryKeys: ['name'],
    };

    await fc.assert(
      fc.asyncProperty(requestsTo(surface), async (request) => {
        const response = await app.inject(request);
        expect(responseProblems(request, response, app.securityHeaders)).toEqual([]);
      }),
      { numRuns: RUNS },
    );

    expect((await app.inject({ method: 'GET', url: '/hello/health' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/hello/ready' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/hello/greet?name=Ada' })).json()).toEqual({
      greeting: 'Hello, Ada!',
    });
  }, 60_000);

  it(`greets any name it accepts with exactly that name in NFC (${RUNS} names)`, async () => {
    await fc.assert(
      fc.asyncProperty(hostileText, async (name) => {
        const response = await app.inject({ method: 'GET', url: `/hello/greet?name=${encodeURIComponent(name)}` });

        expect([200, 400]).toContain(response.statusCode);
        if (response.statusCode === 200)
          expect(response.json()).toEqual({ greeting: `Hello, ${name.normalize('NFC')}!` });
      }),
      { numRuns: RUNS },
    );
  }, 60_000);
});
