import { isDatabaseUnavailable, whileDatabaseUp } from './unavailable';

describe('isDatabaseUnavailable', () => {
  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['an administrator shutdown (57P01)', Object.assign(new Error('terminating connection'), { code: '57P01' })],
    [
      'a server still starting (57P03)',
      Object.assign(new Error('the database system is starting up'), { code: '57P03' }),
    ],
    ['a connection exception (08006)', Object.assign(new Error('connection failure'), { code: '08006' })],
    ['a pool timeout', new Error('timeout exceeded when trying to connect')],
    ['a connection cut mid-query', new Error('Connection terminated unexpectedly')],
  ])('is true for %s', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation (23505)', Object.assign(new Error('duplicate key'), { code: '23505' })],
    ['a syntax error (42601)', Object.assign(new Error('syntax error'), { code: '42601' })],
    ['a plain error', new Error('boom')],
    ['a thrown string', 'not an error'],
  ])('is false for %s', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});

describe('whileDatabaseUp', () => {
  it('turns an outage into a 503 with Retry-After whose message names no address', async () => {
    const outage = Object.assign(new Error('connect ECONNREFUSED 10.0.3.7:5432'), { code: 'ECONNREFUSED' });

    const error = await whileDatabaseUp(() => Promise.reject(outage)).catch((e: unknown) => e);

    expect(error).toMatchObject({
      statusCode: 503,
      retryAfterSeconds: 2,
      message: 'the database is unavailable; retry shortly',
    });
  });

  it('passes any other error through unchanged', async () => {
    const bug = new TypeError('x is undefined');

    await expect(whileDatabaseUp(() => Promise.reject(bug))).rejects.toBe(bug);
  });
});
