import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleEntry } from '@gantry/service-catalog/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import { FileDeployRecord } from './deploy-record';
import { rollback } from './rollback';

// The refusals happen before anything is rolled out: a real HTTP registry (tags list and manifests) and a
// real record file, no engine.
describe('rollback refuses', () => {
  let registry: FastifyInstance;
  let host: string;
  let root: string;
  const catalog = [sampleEntry('hello', 1)];

  beforeAll(async () => {
    registry = Fastify();
    registry.get('/v2/gantry/hello/tags/list', async () => ({
      name: 'gantry/hello',
      tags: ['0.10.0', 'sha-abc', '0.2.0', '0.9.1'],
    }));
    registry.head('/v2/gantry/hello/manifests/:reference', async (_request, reply) => reply.code(404).send());
    host = (await registry.listen({ host: '127.0.0.1', port: 0 })).replace('http://', '');
  });
  afterAll(() => registry.close());

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'rollback-'));
    mkdirSync(join(root, 'infra'));
    writeFileSync(join(root, 'infra/cdk.json'), JSON.stringify({ context: { envName: 'dev' } }));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const context = () => ({
    root,
    env: { GANTRY_DEPLOY: 'local', GANTRY_STATE_HOME: join(root, '.gantry'), GANTRY_REGISTRY: host },
    log: () => undefined,
    catalog,
  });
  const record = () => new FileDeployRecord(join(root, '.gantry/deploys/dev.json'));
  const deployed = (version: string) => ({ version, digest: `sha256:${version}`, commit: 'c', deployedAt: 'now' });

  it('a service that is not in the catalog, naming the services that are', async () => {
    await expect(rollback(context(), 'helo')).rejects.toThrow('"helo" is not in the service catalog; services: hello');
  });

  it('when nothing earlier was deployed, saying how to name a version', async () => {
    await record().record('hello', deployed('0.2.0'));

    await expect(rollback(context(), 'hello')).rejects.toThrow(
      'hello: only 0.2.0 is recorded in file ' +
        `${join(root, '.gantry/deploys/dev.json')}, so there is no earlier version to go back to; name one: npm run rollback -- hello <version>`,
    );
  });

  it('a version with no image, naming the versions that have one in semver order', async () => {
    await expect(rollback(context(), 'hello', '0.3.0')).rejects.toThrow(
      `hello: there is no image gantry/hello:0.3.0 in ${host}; versions with an image: 0.2.0, 0.9.1, 0.10.0`,
    );
  });
});
