import { git, gitMaybe } from '@gantry/process';
import type { ReleaseGraph } from './graph';

/** The newest release tag of `project` reachable from HEAD, or null. */
export function latestTag(root: string, project: string): string | null {
  return gitMaybe(root, ['describe', '--tags', '--abbrev=0', '--match', `${project}@[0-9]*`, 'HEAD']);
}

/**
 * Bootstrap for a service that has never been tagged (a new service, or a clone without tags): its baseline
 * is the last release commit that touched it, else the commit that last set its package.json version. The
 * tag goes there, with the version it had then, so the first release counts only the commits after it.
 * Returns the tags it created (local; the release pushes them with its own).
 */
export function seedMissingTags(root: string, graph: ReleaseGraph): string[] {
  const created: string[] = [];
  for (const project of graph.services) {
    if (latestTag(root, project)) continue;
    const folder = graph.roots.get(project) as string;
    const baseline =
      git(root, ['log', '-1', '--format=%H', '-E', '--grep=^chore\\(release\\)', 'HEAD', '--', folder]) ||
      git(root, ['log', '-1', '--format=%H', '-G"version"', 'HEAD', '--', `${folder}/package.json`]);
    if (!baseline)
      throw new Error(`${folder}/package.json has no committed "version"; commit it before releasing ${project}`);
    const { version } = JSON.parse(git(root, ['show', `${baseline}:${folder}/package.json`])) as { version: string };
    const tag = `${project}@${version}`;
    git(root, ['tag', '-a', tag, '-m', tag, baseline], {
      ...process.env,
      ...releaseIdentity(git(root, ['show', '-s', '--format=%cI', baseline])),
    });
    created.push(tag);
  }
  return created;
}

/** The name, e-mail and date git records for release commits and tags: fixed, so a rerun makes the same objects. */
export function releaseIdentity(
  date: string,
  who = { name: 'Gantry release', email: 'release@gantry.invalid' },
): NodeJS.ProcessEnv {
  return {
    GIT_AUTHOR_NAME: who.name,
    GIT_AUTHOR_EMAIL: who.email,
    GIT_COMMITTER_NAME: who.name,
    GIT_COMMITTER_EMAIL: who.email,
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
  };
}
