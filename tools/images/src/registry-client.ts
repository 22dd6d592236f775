import { createHash } from 'node:crypto';

export const MEDIA_TYPES = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
} as const;

/** Every manifest kind we read: single images (Docker v2, OCI) and multi-platform lists (Docker, OCI). */
export const MANIFEST_ACCEPT = [
  MEDIA_TYPES.dockerManifest,
  MEDIA_TYPES.ociManifest,
  MEDIA_TYPES.dockerManifestList,
  MEDIA_TYPES.ociIndex,
].join(', ');

export interface RegistryAuth {
  username: string;
  password: string;
}

export interface RegistryClientOptions {
  /** Basic credentials, e.g. `AWS` and the token from ECR GetAuthorizationToken. */
  auth?: RegistryAuth;
  timeoutMs?: number;
}

export interface Manifest {
  digest: string;
  mediaType: string;
  body: Buffer;
  json: ManifestJson;
}

interface ManifestJson {
  mediaType?: string;
  config?: { digest?: string };
  manifests?: Array<{ digest: string; mediaType?: string; platform?: { os?: string; architecture?: string } }>;
}

/** A minimal Registry HTTP API v2 client: enough to read digests and tag an already pushed manifest. */
export interface RegistryClient {
  /** host[:port] as image references spell it, e.g. 127.0.0.1:5000 or <account>.dkr.ecr.<region>.amazonaws.com. */
  readonly host: string;
  readonly url: string;
  /** The manifest digest a tag (or digest) points to, or undefined when the registry has no such tag. */
  manifestDigest(repository: string, reference: string): Promise<string | undefined>;
  /** The config digest (what `docker image inspect` calls the image id) behind a tag, or undefined when absent. */
  configDigest(repository: string, reference: string): Promise<string | undefined>;
  /** The raw manifest, or undefined when absent. */
  getManifest(repository: string, reference: string): Promise<Manifest | undefined>;
  /** The labels of the image a tag names (from its config blob), or undefined when there is no such tag. */
  labels(repository: string, reference: string): Promise<Record<string, string> | undefined>;
  /** Every tag of a repository (empty when the repository does not exist). */
  tags(repository: string): Promise<string[]>;
  /** Uploads a manifest under a tag; returns the digest the registry reports. */
  putManifest(repository: string, tag: string, body: Buffer, mediaType: string): Promise<string>;
}

/** http for loopback registries (Docker allows them insecure too), https everywhere else. */
export function registryUrl(registry: string): { host: string; url: string } {
  const explicit = registry.match(/^(https?):\/\/([^/]+)\/?$/);
  if (explicit) return { host: explicit[2], url: `${explicit[1]}://${explicit[2]}` };
  if (registry.includes('/'))
    throw new Error(`registry "${registry}" must be host[:port] or a http(s) URL without a path`);
  const hostname = registry.replace(/:\d+$/, '');
  const loopback = hostname === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(hostname) || hostname === '[::1]';
  return { host: registry, url: `${loopback ? 'http' : 'https'}://${registry}` };
}

export function sha256Digest(body: Buffer): string {
  return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}

export function registryClient(registry: string, options: RegistryClientOptions = {}): RegistryClient {
  const { host, url } = registryUrl(registry);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const authHeader: Record<string, string> = options.auth
    ? { authorization: `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}` }
    : {};

  const manifestUrl = (repository: string, reference: string) => `${url}/v2/${repository}/manifests/${reference}`;

  async function request(
    method: string,
    target: string,
    init: { headers?: Record<string, string>; body?: Buffer } = {},
  ) {
    let response: Response;
    try {
      response = await fetch(target, {
        method,
        headers: { ...authHeader, ...init.headers },
        body: init.body,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new Error(`registry ${method} ${target} failed: ${(error as Error).cause ?? (error as Error).message}`);
    }
    return response;
  }

  async function failure(method: string, target: string, response: Response): Promise<Error> {
    const text = method === 'HEAD' ? '' : (await response.text().catch(() => '')).slice(0, 500);
    const hint = response.status === 401 ? ' (credentials missing or refused)' : '';
    return new Error(
      `registry ${method} ${target} answered ${response.status}${hint}${text ? `: ${text.trim()}` : ''}`,
    );
  }

  async function getManifest(repository: string, reference: string): Promise<Manifest | undefined> {
    const target = manifestUrl(repository, reference);
    const response = await request('GET', target, { headers: { accept: MANIFEST_ACCEPT } });
    if (response.status === 404) {
      await response.arrayBuffer();
      return undefined;
    }
    if (!response.ok) throw await failure('GET', target, response);
    const body = Buffer.from(await response.arrayBuffer());
    const json = JSON.parse(body.toString('utf8')) as ManifestJson;
    const mediaType = json.mediaType ?? response.headers.get('content-type')?.split(';')[0] ?? MEDIA_TYPES.ociManifest;
    return { digest: response.headers.get('docker-content-digest') ?? sha256Digest(body), mediaType, body, json };
  }

  const client: RegistryClient = {
    host,
    url,
    getManifest,

    async manifestDigest(repository, reference) {
      const target = manifestUrl(repository, reference);
      const response = await request('HEAD', target, { headers: { accept: MANIFEST_ACCEPT } });
      if (response.status === 404) return undefined;
      if (!response.ok) throw await failure('HEAD', target, response);
      // Some registries leave the header off HEAD answers; the digest is then the hash of the body.
      return response.headers.get('docker-content-digest') ?? (await getManifest(repository, reference))?.digest;
    },

    async configDigest(repository, reference) {
      const manifest = await getManifest(repository, reference);
      if (!manifest) return undefined;
      if (manifest.json.config?.digest) return manifest.json.config.digest;
      // A list (e.g. BuildKit's image plus its provenance attestation): one runnable image is comparable.
      const images = (manifest.json.manifests ?? []).filter((entry) => entry.platform?.os !== 'unknown');
      if (images.length !== 1) {
        throw new Error(
          `${host}/${repository}:${reference} is a list of ${images.length} platform images (${manifest.mediaType}); ` +
            'only single-platform images can be compared by config digest',
        );
      }
      const child = await getManifest(repository, images[0].digest);
      if (!child?.json.config?.digest) {
        throw new Error(`${host}/${repository}@${images[0].digest} (listed by ${reference}) has no config digest`);
      }
      return child.json.config.digest;
    },

    async labels(repository, reference) {
      const config = await client.configDigest(repository, reference);
      if (!config) return undefined;
      const target = `${url}/v2/${repository}/blobs/${config}`;
      const response = await request('GET', target);
      if (!response.ok) throw await failure('GET', target, response);
      return ((await response.json()) as { config?: { Labels?: Record<string, string> | null } }).config?.Labels ?? {};
    },

    async tags(repository) {
      const target = `${url}/v2/${repository}/tags/list`;
      const response = await request('GET', target);
      if (response.status === 404) {
        await response.arrayBuffer();
        return [];
      }
      if (!response.ok) throw await failure('GET', target, response);
      // A registry that paginates would send a Link header; a service's releases fit in the first page.
      return ((await response.json()) as { tags?: string[] | null }).tags ?? [];
    },

    async putManifest(repository, tag, body, mediaType) {
      const target = manifestUrl(repository, tag);
      const response = await request('PUT', target, { headers: { 'content-type': mediaType }, body });
      if (!response.ok) throw await failure('PUT', target, response);
      await response.arrayBuffer();
      return response.headers.get('docker-content-digest') ?? sha256Digest(body);
    },
  };
  return client;
}
