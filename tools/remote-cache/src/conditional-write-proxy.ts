import { createServer, request as forwardRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { S3RVER_CREDENTIALS, type S3Fixture } from './test-fixture';

/** A write the proxy saw: the S3 operation, its key, and the If-None-Match header it carried. */
export interface ObservedWrite {
  operation: 'PutObject' | 'CompleteMultipartUpload';
  key: string;
  ifNoneMatch?: string;
}

export interface ConditionalWriteProxy {
  endpoint: string;
  /** A client for the proxy, with the credentials s3rver checks. */
  s3: S3Client;
  /** Every request that reached the proxy, as `METHOD /path?query`. */
  requests: string[];
  writes: ObservedWrite[];
  close(): Promise<void>;
}

const PRECONDITION_FAILED =
  '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PreconditionFailed</Code>' +
  '<Message>At least one of the pre-conditions you specified did not hold</Message>' +
  '<Condition>If-None-Match</Condition></Error>';

/**
 * S3's conditional writes in front of s3rver, which ignores If-None-Match on writes: a PutObject or
 * CompleteMultipartUpload sent with `If-None-Match: *` for a key that exists gets S3's 412 PreconditionFailed.
 * Writes of one key run one at a time, each held `holdMs` first, so two racing writers both pass a
 * HeadObject check before either lands: the race the header is for. Every other request passes through.
 */
export async function startConditionalWriteProxy(
  fixture: S3Fixture,
  options: { holdMs?: number } = {},
): Promise<ConditionalWriteProxy> {
  const upstream = new URL(fixture.endpoint);
  const requests: string[] = [];
  const writes: ObservedWrite[] = [];
  const queues = new Map<string, Promise<void>>();

  const server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    const write = writeOf(request, fixture.bucket);
    if (!write) return void forward(request, response, upstream);
    writes.push(write);
    if (write.ifNoneMatch !== '*') return void forward(request, response, upstream);
    const previous = queues.get(write.key) ?? Promise.resolve();
    const turn = previous.then(async () => {
      await new Promise((resolve) => setTimeout(resolve, options.holdMs ?? 0));
      if (await exists(fixture, write.key)) return refuse(request, response);
      return forward(request, response, upstream);
    });
    queues.set(write.key, turn);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const s3 = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
  return {
    endpoint,
    s3,
    requests,
    writes,
    close: async () => {
      s3.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A PutObject (PUT of a key, not a part or a copy) or a CompleteMultipartUpload (POST ?uploadId=). */
function writeOf(request: IncomingMessage, bucket: string): ObservedWrite | undefined {
  const url = new URL(request.url ?? '/', 'http://proxy');
  const prefix = `/${bucket}/`;
  if (!url.pathname.startsWith(prefix)) return undefined;
  const key = decodeURIComponent(url.pathname.slice(prefix.length));
  const ifNoneMatch = request.headers['if-none-match'];
  const query = url.searchParams;
  if (request.method === 'PUT' && !query.has('partNumber') && !request.headers['x-amz-copy-source'])
    return { operation: 'PutObject', key, ifNoneMatch };
  if (request.method === 'POST' && query.has('uploadId'))
    return { operation: 'CompleteMultipartUpload', key, ifNoneMatch };
  return undefined;
}

async function exists(fixture: S3Fixture, key: string): Promise<boolean> {
  try {
    await fixture.s3.send(new HeadObjectCommand({ Bucket: fixture.bucket, Key: key }));
    return true;
  } catch {
    return false;
  }
}

/** S3's answer to a conditional write whose key exists, once the body has been read. */
function refuse(request: IncomingMessage, response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(412, { 'content-type': 'application/xml' });
      response.end(PRECONDITION_FAILED, resolve);
    });
  });
}

/** Passes the request to s3rver as it came (its signature covers the proxy's host header, which s3rver accepts). */
function forward(request: IncomingMessage, response: ServerResponse, upstream: URL): Promise<void> {
  return new Promise((resolve) => {
    // Unsigned, and this hop answers 100-continue itself.
    const headers = { ...request.headers };
    delete headers['expect'];
    const outgoing = forwardRequest(
      { host: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
        response.on('finish', () => resolve());
        response.on('close', () => resolve());
      },
    );
    outgoing.on('error', (error) => {
      response.destroy(error);
      resolve();
    });
    request.pipe(outgoing);
  });
}
