import type { RegistryClient } from '@gantry/images';

/** The image label naming the commit a release was made from (tools/images/service.Dockerfile). */
export const SOURCE_LABEL = 'dev.gantry.source-commit';

function bumpPatch(version: string): string {
  const [major, minor, patch] = version.split('.').map(Number);
  return `${major}.${minor}.${patch + 1}`;
}

/**
 * The first version from `version` on that is not spent. A version is spent once an image of it was pushed
 * by a run of another commit, even if that run failed later: its tag cannot move, so the release moves past
 * it. An image built from this same source commit is this run's own earlier attempt (a retry), so it is free.
 */
export async function firstFreeVersion(
  registry: RegistryClient,
  repository: string,
  version: string,
  source: string,
): Promise<string> {
  let candidate = version;
  for (let tries = 0; tries < 100; tries += 1) {
    const labels = await registry.labels(repository, candidate);
    if (!labels || labels[SOURCE_LABEL] === source) return candidate;
    candidate = bumpPatch(candidate);
  }
  throw new Error(
    `${repository}: 100 versions from ${version} on are all spent; look at the registry before releasing again`,
  );
}
