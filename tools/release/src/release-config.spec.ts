import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { RELEASE_COMMIT } from './commits';

// The nx release traps that are configuration, checked against nx.json itself: change one of these
// settings and the behaviour the release relies on changes with it.
interface ReleaseConfig {
  projects: string[];
  projectsRelationship: string;
  releaseTag: { pattern: string; preferDockerVersion: boolean };
  conventionalCommits: { types: Record<string, { semverBump: string }> };
  version: {
    conventionalCommits: boolean;
    adjustSemverBumpsForZeroMajorVersion: boolean;
    updateDependents: string;
    preVersionCommand?: string;
  };
  changelog: { workspaceChangelog: boolean; projectChangelogs: { file: string } };
  git: { commitMessage: string; push: boolean };
  docker?: unknown;
}
const release = (JSON.parse(readFileSync(resolve(__dirname, '../../../nx.json'), 'utf8')) as { release: ReleaseConfig })
  .release;

describe('nx.json release configuration', () => {
  it('versions only services, independently, from conventional commits, with one CHANGELOG.md each', () => {
    expect(release.projects).toEqual(['tag:type:service']);
    expect(release.projectsRelationship).toBe('independent');
    expect(release.version.conventionalCommits).toBe(true);
    expect(release.changelog.projectChangelogs.file).toBe('{projectRoot}/CHANGELOG.md');
    expect(release.changelog.workspaceChangelog).toBe(false);
  });

  it('tags {projectName}@{version}, and never lets a docker calendar version replace the semver tag', () => {
    expect(release.releaseTag.pattern).toBe('{projectName}@{version}');
    expect(release.releaseTag.preferDockerVersion).toBe(false);
  });

  it('has no docker release section, so no docker preVersionCommand builds every image', () => {
    expect(release.docker).toBeUndefined();
    expect(release.version.preVersionCommand).toBeUndefined();
  });

  it('patches for perf, as the bump table in docs/versioning.md says (nx defaults it to no bump)', () => {
    expect(release.conventionalCommits.types['perf'].semverBump).toBe('patch');
  });

  it('keeps 0.x bumps unshifted and patches the dependents of a changed lib', () => {
    expect(release.version.adjustSemverBumpsForZeroMajorVersion).toBe(false);
    expect(release.version.updateDependents).toBe('auto');
  });

  it('writes release commits a hand-run `nx release` shares with the pipeline guard, and never pushes', () => {
    expect(release.git.commitMessage).toMatch(RELEASE_COMMIT);
    expect(release.git.push).toBe(false);
  });
});
