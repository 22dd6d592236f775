import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { PublishResult } from './publish';

export const DEPLOY_MANIFEST = 'dist/deploy-manifest.json';

/** One published service, as the deploy step reads it: deploy `${image}@${digest}`. */
export interface DeployedService {
  image: string;
  tags: string[];
  digest: string;
  version: string;
}

export interface DeployManifest {
  commit: string;
  generatedAt: string;
  services: Record<string, DeployedService>;
}

/** A publish result with what the manifest needs besides it. */
export type ManifestEntry = Pick<PublishResult, 'service' | 'image' | 'tags' | 'digest'> & { version: string; commit: string };

export function deployManifest(results: ManifestEntry[], options: { commit?: string; generatedAt?: Date } = {}): DeployManifest {
  const commits = [...new Set(results.map((result) => result.commit))];
  if (commits.length > 1) throw new Error(`deploy manifest: results come from several commits (${commits.join(', ')})`);
  const commit = options.commit ?? commits[0];
  if (!commit) throw new Error('deploy manifest: no commit (pass options.commit when no service was published)');
  if (commits.length === 1 && commits[0] !== commit) {
    throw new Error(`deploy manifest: results are for commit ${commits[0]}, not ${commit}`);
  }
  const services: Record<string, DeployedService> = {};
  for (const result of [...results].sort((a, b) => a.service.localeCompare(b.service))) {
    if (services[result.service]) throw new Error(`deploy manifest: service ${result.service} appears twice`);
    if (!/^sha256:[0-9a-f]{64}$/.test(result.digest)) {
      throw new Error(`deploy manifest: ${result.service} has no manifest digest (got "${result.digest}")`);
    }
    services[result.service] = { image: result.image, tags: [...result.tags], digest: result.digest, version: result.version };
  }
  return { commit, generatedAt: (options.generatedAt ?? new Date()).toISOString(), services };
}

/** Writes the deploy manifest (creating its folder), atomically so a reader never sees half a file. */
export function writeDeployManifest(
  path: string,
  results: ManifestEntry[],
  options: { commit?: string; generatedAt?: Date } = {},
): DeployManifest {
  const manifest = deployManifest(results, options);
  mkdirSync(dirname(path), { recursive: true });
  const partial = `${path}.${process.pid}.tmp`;
  writeFileSync(partial, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(partial, path);
  return manifest;
}
