import { mkdirSync } from 'node:fs';
import S3rver from 's3rver';

export interface S3Standin {
  endpoint: string;
  /** The credentials s3rver checks signatures against. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** s3rver on 127.0.0.1 with `buckets`, keeping its objects in `directory` so a later run finds them. */
export async function startS3Standin(directory: string, buckets: string[], port = 0): Promise<S3Standin> {
  mkdirSync(directory, { recursive: true });
  const server = new S3rver({
    address: '127.0.0.1',
    port,
    directory,
    silent: true,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const address = await server.run();
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    env: { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' },
    close: () => server.close(),
  };
}
