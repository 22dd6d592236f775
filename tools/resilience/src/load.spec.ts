import Fastify, { type FastifyInstance } from 'fastify';
import { underLoad } from './load';

// A real server on loopback answers with its version, then with 503 once `broken` is set.
describe('underLoad', () => {
  let app: FastifyInstance;
  let url: string;
  let broken = false;

  beforeAll(async () => {
    app = Fastify();
    app.get('/v', async (_request, reply) =>
      broken ? reply.code(503).send({ version: 'down' }) : { version: '1.0.0' },
    );
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => app.close());

  it('counts the requests and the versions that answered while the work ran, and stops with it', async () => {
    const report = await underLoad(
      { url: `${url}/v`, connections: 2 },
      () => new Promise((done) => setTimeout(() => done('done'), 300)),
    );

    expect(report.result).toBe('done');
    expect(report.requests).toBeGreaterThan(0);
    expect(report.non2xx).toBe(0);
    expect([...report.versions]).toEqual(['1.0.0']);
  });

  it('counts non-2xx answers, and hands back the error the work threw', async () => {
    const report = await underLoad({ url: `${url}/v`, connections: 2 }, async () => {
      broken = true;
      await new Promise((done) => setTimeout(done, 200));
      broken = false;
      throw new Error('the deploy failed');
    });

    expect((report.result as Error).message).toBe('the deploy failed');
    expect(report.non2xx).toBeGreaterThan(0);
  });
});
