import Fastify, { type FastifyInstance } from 'fastify';
import { MEDIA_TYPES, sha256Digest } from '../registry-client';

export interface RecordedRequest {
  method: string;
  path: string;
  accept?: string;
  authorization?: string;
  contentType?: string;
}

export interface FakeRegistryOptions {
  /** Answer 401 unless these basic credentials are sent. */
  credentials?: { username: string; password: string };
  /** Leave Docker-Content-Digest off HEAD answers, as some registries do. */
  omitHeadDigest?: boolean;
}

/**
 * A real HTTP server on 127.0.0.1 that speaks just enough of the Registry v2 API (manifests by tag or
 * digest) for unit tests; the end-to-end suite uses the real docker-registry instead.
 */
export class FakeRegistry {
  readonly requests: RecordedRequest[] = [];
  private readonly manifests = new Map<string, { body: Buffer; mediaType: string }>();
  private readonly tags = new Map<string, string>();
  host = '';

  private constructor(
    private readonly app: FastifyInstance,
    private readonly options: FakeRegistryOptions,
  ) {}

  static async start(options: FakeRegistryOptions = {}): Promise<FakeRegistry> {
    const app = Fastify({ logger: false, exposeHeadRoutes: false });
    const registry = new FakeRegistry(app, options);
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    app.get('/v2/', async (request, reply) =>
      registry.authorized(request.headers.authorization)
        ? {}
        : reply.code(401).send({ errors: [{ code: 'UNAUTHORIZED' }] }),
    );
    app.route({
      method: ['GET', 'HEAD', 'PUT'],
      url: '/v2/*',
      handler: async (request, reply) => {
        const path = request.url.split('?')[0];
        registry.requests.push({
          method: request.method,
          path,
          accept: request.headers.accept,
          authorization: request.headers.authorization,
          contentType: request.headers['content-type'],
        });
        if (!registry.authorized(request.headers.authorization)) {
          return reply
            .code(401)
            .header('www-authenticate', 'Basic realm="fake"')
            .send({ errors: [{ code: 'UNAUTHORIZED' }] });
        }
        const listed = path.match(/^\/v2\/(.+)\/tags\/list$/)?.[1];
        if (listed) {
          const tags = [...registry.tags.keys()]
            .filter((key) => key.startsWith(`${listed}:`))
            .map((key) => key.slice(listed.length + 1));
          return tags.length ? { name: listed, tags } : reply.code(404).send({ errors: [{ code: 'NAME_UNKNOWN' }] });
        }
        const match = path.match(/^\/v2\/(.+)\/manifests\/([^/]+)$/);
        if (!match) return reply.code(404).send({ errors: [{ code: 'NAME_UNKNOWN' }] });
        const [, repository, reference] = match;
        if (request.method === 'PUT') {
          const digest = registry.store(
            repository,
            reference,
            request.body as Buffer,
            String(request.headers['content-type']),
          );
          return reply
            .code(201)
            .header('docker-content-digest', digest)
            .header('location', `/v2/${repository}/manifests/${digest}`)
            .send();
        }
        const digest = reference.startsWith('sha256:') ? reference : registry.tags.get(`${repository}:${reference}`);
        const manifest = digest ? registry.manifests.get(`${repository}@${digest}`) : undefined;
        if (!digest || !manifest)
          return reply.code(404).send({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] });
        reply.header('content-type', manifest.mediaType);
        if (!(request.method === 'HEAD' && registry.options.omitHeadDigest))
          reply.header('docker-content-digest', digest);
        if (request.method === 'HEAD') return reply.header('content-length', manifest.body.length).send();
        return reply.send(manifest.body);
      },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    if (address === null || typeof address === 'string') throw new Error('fake registry has no TCP address');
    registry.host = `127.0.0.1:${address.port}`;
    return registry;
  }

  private authorized(header: string | undefined): boolean {
    const credentials = this.options.credentials;
    if (!credentials) return true;
    return header === `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  }

  /** Stores a manifest under its digest and, when `reference` is a tag, points the tag at it. */
  store(repository: string, reference: string, body: Buffer, mediaType: string): string {
    const digest = sha256Digest(body);
    this.manifests.set(`${repository}@${digest}`, { body, mediaType });
    if (!reference.startsWith('sha256:')) this.tags.set(`${repository}:${reference}`, digest);
    return digest;
  }

  /** Stores a single-image manifest whose config is `configDigest`; returns the manifest digest. */
  putImage(
    repository: string,
    reference: string,
    configDigest: string,
    mediaType: string = MEDIA_TYPES.dockerManifest,
  ): string {
    const body = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType,
        config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 100, digest: configDigest },
        layers: [],
      }),
    );
    return this.store(repository, reference, body, mediaType);
  }

  /** The manifest digest a tag points to, straight from the fake's own tables. */
  tagDigest(repository: string, tag: string): string | undefined {
    return this.tags.get(`${repository}:${tag}`);
  }

  close(): Promise<void> {
    return this.app.close();
  }
}
