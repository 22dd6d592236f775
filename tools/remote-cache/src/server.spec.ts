import { freePort } from '@gantry/process';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { S3Client } from '@aws-sdk/client-s3';
import type { FastifyInstance } from 'fastify';
import { startConditionalWriteProxy, type ConditionalWriteProxy } from './conditional-write-proxy';
import { buildCacheServer, READ_ONLY_MESSAGE, type CacheServerOptions } from './server';
import { S3RVER_CREDENTIALS, startS3rver, type S3Fixture } from './test-fixture';

const TOKEN = 'test-token-123';

describe('the cache server over a real S3 API (s3rver)', () => {
  let s3: S3Fixture;
  const apps: FastifyInstance[] = [];
  const warnings: string[] = [];

  // Each test gets its own prefix, so entries never leak between tests.
  async function serve(options: Partial<CacheServerOptions> & { prefix: string }): Promise<string> {
    const app = buildCacheServer({
      s3: s3.s3,
      bucket: s3.bucket,
      mode: 'read-write',
      warn: (line) => warnings.push(line),
      ...options,
    });
    apps.push(app);
    return app.listen({ host: '127.0.0.1', port: 0 });
  }

  beforeAll(async () => {
    s3 = await startS3rver();
  });
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await s3.close();
  });
  beforeEach(() => {
    warnings.length = 0;
  });

  it('answers 404 on a miss', async () => {
    const url = await serve({ prefix: 'miss/' });

    const response = await fetch(`${url}/v1/cache/abc123`);

    expect(response.status).toBe(404);
    expect(warnings).toEqual([]);
  });

  it('round-trips a multi-part (12 MB) binary body byte for byte', async () => {
    const url = await serve({ prefix: 'big/' });
    const body = randomBytes(12 * 1024 * 1024);

    const put = await fetch(`${url}/v1/cache/1234567890`, {
      method: 'PUT',
      body,
      headers: { 'content-type': 'application/octet-stream' },
    });
    const get = await fetch(`${url}/v1/cache/1234567890`);

    expect(put.status).toBe(200);
    expect(get.status).toBe(200);
    expect(get.headers.get('content-type')).toBe('application/octet-stream');
    expect(Buffer.from(await get.arrayBuffer()).equals(body)).toBe(true);
    expect(await s3.listKeys('big/')).toEqual(['big/1234567890']);
  }, 20_000);

  it('keeps entries immutable: a second PUT of the same hash is a 409 and the first body stays', async () => {
    const url = await serve({ prefix: 'immutable/' });
    const put = (body: string) => fetch(`${url}/v1/cache/h1`, { method: 'PUT', body });

    expect((await put('first')).status).toBe(200);
    expect((await put('second')).status).toBe(409);
    expect(await (await fetch(`${url}/v1/cache/h1`)).text()).toBe('first');
  });

  it('answers 401 in text/plain for a missing or wrong token, and serves the right one', async () => {
    const url = await serve({ prefix: 'token/', token: TOKEN });
    const missing = await fetch(`${url}/v1/cache/h1`);
    const wrong = await fetch(`${url}/v1/cache/h1`, {
      method: 'PUT',
      body: 'x',
      headers: { authorization: 'Bearer nope-nope-nope' },
    });
    const right = await fetch(`${url}/v1/cache/h1`, {
      method: 'PUT',
      body: 'x',
      headers: { authorization: `Bearer ${TOKEN}` },
    });

    expect([missing.status, wrong.status, right.status]).toEqual([401, 401, 200]);
    // Nx reports a text/plain 401 as "Unauthorized: <body>"; other types read as a misconfigured server.
    expect(missing.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await s3.listKeys('token/')).toEqual(['token/h1']);
  });

  it('refuses writes with 403 in read-only mode and writes nothing', async () => {
    const url = await serve({ prefix: 'read-only/', mode: 'read-only' });

    const response = await fetch(`${url}/v1/cache/h1`, { method: 'PUT', body: randomBytes(1024) });

    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ message: READ_ONLY_MESSAGE });
    expect(await s3.listKeys('read-only/')).toEqual([]);
  });

  it.each(['GET', 'PUT'])('answers 400 to %s of an invalid hash', async (method) => {
    const url = await serve({ prefix: 'bad-hash/' });

    const responses = await Promise.all(
      ['a.b', '..%2Fescape', 'x'.repeat(129)].map((hash) =>
        fetch(`${url}/v1/cache/${hash}`, { method, ...(method === 'PUT' ? { body: 'x' } : {}) }),
      ),
    );

    expect(responses.map((response) => response.status)).toEqual([400, 400, 400]);
    expect(await s3.listKeys('bad-hash/')).toEqual([]);
  });

  it('wants a known, non-zero length: 411 for a chunked body, 400 for an empty one', async () => {
    const url = await serve({ prefix: 'length/' });
    const chunked = new ReadableStream({
      start: (controller) => (controller.enqueue(new TextEncoder().encode('tar')), controller.close()),
    });

    const withoutLength = await fetch(`${url}/v1/cache/h1`, {
      method: 'PUT',
      body: chunked,
      duplex: 'half',
    } as RequestInit);
    const empty = await fetch(`${url}/v1/cache/h1`, { method: 'PUT', body: '' });

    expect([withoutLength.status, empty.status]).toEqual([411, 400]);
    expect(await s3.listKeys('length/')).toEqual([]);
  });

  it('stores nothing when the upload stops short of its Content-Length', async () => {
    const url = new URL(await serve({ prefix: 'short/' }));

    await new Promise<void>((resolve) => {
      const socket = connect(Number(url.port), url.hostname, () => {
        socket.write(
          'PUT /v1/cache/h1 HTTP/1.1\r\nhost: x\r\ncontent-type: application/octet-stream\r\ncontent-length: 1000\r\n\r\n',
        );
        socket.end(Buffer.alloc(10));
      });
      socket.on('close', () => resolve());
      socket.resume();
    });
    await new Promise((resolve) => setTimeout(resolve, 200));

    expect(await s3.listKeys('short/')).toEqual([]);
    expect(warnings).toEqual([
      expect.stringMatching(/^storing h1 in S3 failed \(.*\); the entry is not cached remotely$/),
    ]);
  });

  describe('with conditional writes (s3rver behind a proxy that answers If-None-Match as S3 does)', () => {
    let proxy: ConditionalWriteProxy;

    beforeEach(async () => {
      proxy = await startConditionalWriteProxy(s3, { holdMs: 300 });
    });
    afterEach(() => proxy.close());

    it('sends If-None-Match: * on a single-part PutObject and on the CompleteMultipartUpload of a 12 MB entry', async () => {
      const url = await serve({ prefix: 'conditional/', s3: proxy.s3 });

      const small = await fetch(`${url}/v1/cache/small`, { method: 'PUT', body: randomBytes(1024) });
      const big = await fetch(`${url}/v1/cache/big`, { method: 'PUT', body: randomBytes(12 * 1024 * 1024) });

      expect([small.status, big.status]).toEqual([200, 200]);
      expect(proxy.writes).toEqual([
        { operation: 'PutObject', key: 'conditional/small', ifNoneMatch: '*' },
        { operation: 'CompleteMultipartUpload', key: 'conditional/big', ifNoneMatch: '*' },
      ]);
      expect(await s3.listKeys('conditional/')).toEqual(['conditional/big', 'conditional/small']);
    }, 20_000);

    it('answers 409 to the loser of two racing PUTs of one hash, whose write S3 refused with 412, and keeps the winner', async () => {
      const url = await serve({ prefix: 'race/', s3: proxy.s3 });
      const put = (body: string) => fetch(`${url}/v1/cache/h1`, { method: 'PUT', body });

      // Both pass the HeadObject check (the proxy holds each write 300 ms), so only S3's 412 tells them apart.
      const [first, second] = await Promise.all([put('first'), put('second')]);

      const statuses = [first.status, second.status];
      expect([...statuses].sort()).toEqual([200, 409]);
      const winner = statuses[0] === 200 ? 'first' : 'second';
      expect(await (await fetch(`${url}/v1/cache/h1`)).text()).toBe(winner);
      expect(proxy.writes.map((write) => write.ifNoneMatch)).toEqual(['*', '*']);
      expect(warnings).toEqual([]);
    });

    it('refuses an entry over maxBytes with 403 ("not stored" to Nx) and a warning, without a single request to S3', async () => {
      const url = await serve({ prefix: 'capped/', s3: proxy.s3, maxBytes: 1024 });

      const over = await fetch(`${url}/v1/cache/over`, { method: 'PUT', body: randomBytes(1025) });
      const requestsAfterRefusal = [...proxy.requests];
      const atLimit = await fetch(`${url}/v1/cache/limit`, { method: 'PUT', body: randomBytes(1024) });

      const message =
        "cache entry over is 1025 bytes, over this cache's limit of 1024 (GANTRY_CACHE_MAX_BYTES); it is not stored";
      expect(over.status).toBe(403);
      expect(await over.json()).toEqual({ message });
      expect(warnings).toEqual([message]);
      expect(requestsAfterRefusal).toEqual([]);
      expect(atLimit.status).toBe(200);
      expect(await s3.listKeys('capped/')).toEqual(['capped/limit']);
    });
  });

  describe('when S3 is down', () => {
    let down: S3Client;

    beforeAll(async () => {
      const endpoint = `http://127.0.0.1:${await freePort()}`;
      down = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
    });
    afterAll(() => down.destroy());

    it('answers GET with a quick 404 and a warning, so the build goes on', async () => {
      const url = await serve({ prefix: 'down/', s3: down });
      const started = Date.now();

      const response = await fetch(`${url}/v1/cache/h1`);

      expect(response.status).toBe(404);
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(warnings).toEqual([
        expect.stringMatching(/^reading h1 from S3 failed \(.*ECONNREFUSED.*\); answering a cache miss$/),
      ]);
    });

    it('answers PUT with 403, which Nx takes as "not stored", and a warning', async () => {
      const url = await serve({ prefix: 'down/', s3: down });

      const response = await fetch(`${url}/v1/cache/h1`, { method: 'PUT', body: randomBytes(1024) });

      expect(response.status).toBe(403);
      expect(warnings).toEqual([
        expect.stringMatching(/^storing h1 in S3 failed \(.*ECONNREFUSED.*\); the entry is not cached remotely$/),
      ]);
    });
  });
});
