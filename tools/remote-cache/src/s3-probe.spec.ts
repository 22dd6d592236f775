import { freePort } from '@gantry/process';
import { createServer, type Server, type Socket } from 'node:net';
import { S3Client } from '@aws-sdk/client-s3';
import { probeBucket } from './s3-probe';
import { S3RVER_CREDENTIALS, startS3rver, type S3Fixture } from './test-fixture';

function clientFor(endpoint: string): S3Client {
  return new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: S3RVER_CREDENTIALS,
    maxAttempts: 1,
  });
}

describe('probeBucket', () => {
  let s3: S3Fixture;

  beforeAll(async () => {
    s3 = await startS3rver();
  });
  afterAll(() => s3.close());

  it('reports a reachable bucket as ok', async () => {
    expect(await probeBucket(s3.s3, s3.bucket, 2_000)).toEqual({ ok: true });
  });

  it('reports a missing bucket with its HTTP status', async () => {
    expect(await probeBucket(s3.s3, 'no-such-bucket', 2_000)).toEqual({ ok: false, reason: 'HTTP 404 NotFound' });
  });

  it('reports a closed port as unreachable, quickly', async () => {
    const client = clientFor(`http://127.0.0.1:${await freePort()}`);
    const started = Date.now();

    const result = await probeBucket(client, 'gantry-cache', 2_000);
    client.destroy();

    expect(result).toEqual({ ok: false, reason: expect.stringContaining('ECONNREFUSED') });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('gives up on an endpoint that accepts connections but never answers', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const client = clientFor(`http://127.0.0.1:${(silent.address() as { port: number }).port}`);

    const result = await probeBucket(client, 'gantry-cache', 300);
    client.destroy();
    sockets.forEach((socket) => socket.destroy());
    await new Promise((resolve) => silent.close(resolve));

    expect(result).toEqual({ ok: false, reason: 'no answer within 300 ms' });
  });
});
