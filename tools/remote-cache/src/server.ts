import { finished, type Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import { bearerMatches } from './bearer';
import { DEFAULT_MAX_BYTES, type CacheMode } from './config';
import { lengthGuard } from './length-guard';
import { describeS3Error } from './s3-probe';

export interface CacheServerOptions {
  s3: S3Client;
  bucket: string;
  /** Prepended to every hash to form the object key, e.g. `nx-cache/`. */
  prefix: string;
  mode: CacheMode;
  /** When set, every request must send `Authorization: Bearer <token>`. */
  token?: string;
  /**
   * The largest entry a PUT may store; a larger Content-Length is refused (403, "not stored") without touching S3.
   * @default DEFAULT_MAX_BYTES (512 MiB)
   */
  maxBytes?: number;
  logger?: FastifyServerOptions['logger'];
  /** Where S3 trouble is reported; the build itself carries on. */
  warn?: (message: string) => void;
}

type CacheRoute = { Params: { hash: string } };

const HASH = /^[A-Za-z0-9_-]{1,128}$/;
export const READ_ONLY_MESSAGE =
  'writes are disabled: this remote cache is read-only for untrusted builds (only trusted builds of main may write)';

/** The Nx self-hosted remote cache protocol (GET/PUT /v1/cache/:hash) over one S3 bucket prefix. */
export function buildCacheServer(options: CacheServerOptions): FastifyInstance {
  const { s3, bucket, prefix, mode, token } = options;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const warn = options.warn ?? ((message: string) => console.warn(`[remote-cache] WARNING: ${message}`));
  // Room for 128-character hashes, so a long one gets our 400 rather than the router's 414.
  const app = Fastify({ logger: options.logger ?? false, routerOptions: { maxParamLength: 256 } });

  // Bodies stay raw streams straight into S3, so nothing is buffered and bodyLimit never applies.
  app.removeAllContentTypeParsers();
  for (const type of ['application/octet-stream', '*']) {
    app.addContentTypeParser(type, (_request, payload, done) => done(null, payload));
  }

  if (token !== undefined) {
    app.addHook('onRequest', async (request, reply) => {
      if (bearerMatches(request.headers.authorization, token)) return;
      // Nx shows a text/plain 401 body as "Unauthorized: <body>"; any other type reads as a misconfigured server.
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer')
        .type('text/plain')
        .send('missing or wrong remote cache access token');
    });
  }

  app.get<CacheRoute>('/v1/cache/:hash', async (request, reply) => {
    const { hash } = request.params;
    if (!HASH.test(hash)) return badHash(reply);
    try {
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: prefix + hash }));
      reply.type('application/octet-stream');
      if (object.ContentLength !== undefined) reply.header('content-length', object.ContentLength);
      return reply.send(object.Body as Readable);
    } catch (error) {
      // Nx 23 fails the whole run on any GET status but 200/404, so S3 trouble is served as a miss.
      if (!isMissing(error)) warn(`reading ${hash} from S3 failed (${describeS3Error(error)}); answering a cache miss`);
      return reply.code(404).send({ message: `no cache entry for ${hash}` });
    }
  });

  app.put<CacheRoute>('/v1/cache/:hash', async (request, reply) => {
    const { hash } = request.params;
    if (!HASH.test(hash)) return badHash(reply);
    if (mode === 'read-only') return reply.code(403).send({ message: READ_ONLY_MESSAGE });
    const length = Number(request.headers['content-length']);
    // Without a length a cut-short upload could not be told from a complete one.
    if (!Number.isSafeInteger(length)) return reply.code(411).send({ message: 'Content-Length is required' });
    if (length === 0) return reply.code(400).send({ message: 'an empty body is not a cache entry' });
    if (length > maxBytes) {
      // Refused before S3 sees a byte. 403, not 413: Nx 23 takes a PUT 403 as "not stored" and carries on,
      // but fails the whole run on a 413 ("Misconfigured remote cache endpoint"; checked with nx 23.2.1).
      warn(tooLarge(hash, length, maxBytes));
      return reply.code(403).send({ message: tooLarge(hash, length, maxBytes) });
    }
    const key = prefix + hash;
    const body = request.body as Readable;
    try {
      if (await objectExists(s3, bucket, key))
        return reply.code(409).send({ message: `cache entry ${hash} already exists` });
      const guarded = lengthGuard(length);
      // finished() also reports a client that hung up before we got here, which a late 'error' listener would miss.
      finished(body, (error) => error && guarded.destroy(error));
      // IfNoneMatch makes S3 refuse (412) a second writer that raced past the HeadObject check; the bucket
      // policy denies any write without it. lib-storage sends it on PutObject and on CompleteMultipartUpload.
      const params = {
        Bucket: bucket,
        Key: key,
        Body: body.pipe(guarded),
        ContentLength: length,
        ContentType: 'application/octet-stream',
        IfNoneMatch: '*',
      };
      await new Upload({ client: s3, params }).done();
      return reply.code(200).send();
    } catch (error) {
      if (isConflict(error)) return reply.code(409).send({ message: `cache entry ${hash} already exists` });
      // Drain what is left so the client can read our answer instead of seeing a reset connection.
      body.unpipe();
      body.resume();
      warn(`storing ${hash} in S3 failed (${describeS3Error(error)}); the entry is not cached remotely`);
      // Nx 23 treats a PUT 403 as "not stored" and carries on; 5xx is retried for ~20 s and then fails the run.
      return reply.code(403).send({ message: `the remote cache could not store ${hash}` });
    }
  });

  return app;
}

function tooLarge(hash: string, length: number, maxBytes: number): string {
  return `cache entry ${hash} is ${length} bytes, over this cache's limit of ${maxBytes} (GANTRY_CACHE_MAX_BYTES); it is not stored`;
}

function badHash(reply: FastifyReply) {
  return reply.code(400).send({ message: 'the hash must be 1-128 letters, digits, "_" or "-"' });
}

async function objectExists(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
}

type S3ErrorLike = { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;

function isMissing(error: unknown): boolean {
  const { name, $metadata } = (error ?? {}) as NonNullable<S3ErrorLike>;
  return name === 'NoSuchKey' || name === 'NotFound' || $metadata?.httpStatusCode === 404;
}

// 412 from IfNoneMatch when the key exists (the entry is already stored); 409 when another conditional
// write of the key is in flight. Either way another writer stores this hash, so the answer is Nx's 409.
function isConflict(error: unknown): boolean {
  const { name, $metadata } = (error ?? {}) as NonNullable<S3ErrorLike>;
  return name === 'PreconditionFailed' || name === 'ConditionalRequestConflict' || $metadata?.httpStatusCode === 412;
}
