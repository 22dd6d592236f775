import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';

export interface S3Fixture {
  bucket: string;
  endpoint: string;
  s3: S3Client;
  /** GANTRY_CACHE_* and AWS_* variables that point the adapter at this server. */
  env: Record<string, string>;
  listKeys(prefix?: string): Promise<string[]>;
  close(): Promise<void>;
}

// s3rver's fixed keys; it checks signatures, so they must match.
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** A real S3 API (s3rver) on 127.0.0.1 with one empty bucket in a fresh temp directory. */
export async function startS3rver(bucket = 'gantry-cache'): Promise<S3Fixture> {
  const directory = await mkdtemp(join(tmpdir(), 'remote-cache-s3-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory,
    silent: true,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const s3 = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: CREDENTIALS });
  return {
    bucket,
    endpoint,
    s3,
    env: {
      GANTRY_CACHE_BUCKET: bucket,
      GANTRY_CACHE_ENDPOINT: endpoint,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    },
    async listKeys(prefix = '') {
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
      return (listed.Contents ?? []).map((object) => object.Key ?? '');
    },
    async close() {
      s3.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

export const S3RVER_CREDENTIALS = CREDENTIALS;
