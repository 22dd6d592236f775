import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeDeployManifest, type ManifestEntry } from './manifest';

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const hello: ManifestEntry = { service: 'hello', image: '127.0.0.1:5000/gantry/hello', tags: ['0.1.0', 'sha-abc'], digest: digest('1'), version: '0.1.0', commit: 'abc' };
const pricing: ManifestEntry = { service: 'pricing', image: '127.0.0.1:5000/gantry/pricing', tags: ['1.2.0', 'sha-abc'], digest: digest('2'), version: '1.2.0', commit: 'abc' };

describe('writeDeployManifest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'deploy-manifest-'));

  it('writes commit, time and each service image, tags, digest and version, creating the folder', () => {
    const path = join(dir, 'nested/dist/deploy-manifest.json');

    writeDeployManifest(path, [pricing, hello], { generatedAt: new Date('2026-02-03T04:05:06.000Z') });

    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({
      commit: 'abc',
      generatedAt: '2026-02-03T04:05:06.000Z',
      services: {
        hello: { image: '127.0.0.1:5000/gantry/hello', tags: ['0.1.0', 'sha-abc'], digest: digest('1'), version: '0.1.0' },
        pricing: { image: '127.0.0.1:5000/gantry/pricing', tags: ['1.2.0', 'sha-abc'], digest: digest('2'), version: '1.2.0' },
      },
    });
    expect(Object.keys(JSON.parse(readFileSync(path, 'utf8')).services)).toEqual(['hello', 'pricing']);
    expect(readdirSync(join(dir, 'nested/dist'))).toEqual(['deploy-manifest.json']);
  });

  it('writes an empty service list for a commit that changed no service', () => {
    const path = join(dir, 'empty.json');

    const manifest = writeDeployManifest(path, [], { commit: 'def' });

    expect(manifest).toEqual({ commit: 'def', generatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), services: {} });
    expect(JSON.parse(readFileSync(path, 'utf8')).services).toEqual({});
  });

  it('refuses results from different commits, a service twice, a missing digest, or no commit at all', () => {
    const path = join(dir, 'bad.json');

    expect(() => writeDeployManifest(path, [hello, { ...pricing, commit: 'other' }])).toThrow(/several commits \(abc, other\)/);
    expect(() => writeDeployManifest(path, [hello, hello])).toThrow(/hello appears twice/);
    expect(() => writeDeployManifest(path, [{ ...hello, digest: '' }])).toThrow(/hello has no manifest digest/);
    expect(() => writeDeployManifest(path, [])).toThrow(/no commit/);
    expect(() => writeDeployManifest(path, [hello], { commit: 'zzz' })).toThrow(/for commit abc, not zzz/);
    expect(readdirSync(dir)).not.toContain('bad.json');
  });
});
