import { git, gitMaybe } from '@gantry/process';
import { releaseIdentity } from './seed';

export interface PushOptions {
  root: string;
  /** A remote name or URL: `origin` in CodeBuild, a local bare repository in `npm run pipeline` and tests. */
  remote: string;
  /** The branch the release commit lands on. */
  branch: string;
  /** The commit to put on the branch: the release commit, or HEAD when nothing was released. */
  commit: string;
  tags: string[];
  /** An HTTPS token (CodeBuild: from Secrets Manager). Sent as a header through git's environment, never in a URL or argv. */
  token?: string;
  log?: (line: string) => void;
}

export interface PushResult {
  /** What the branch points at after the push. */
  branchHead: string;
  /** True when the branch had moved on and the release was merged into it. */
  merged: boolean;
}

function authEnv(token: string | undefined): NodeJS.ProcessEnv {
  if (!token) return process.env;
  const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
  return {
    ...process.env,
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'http.extraHeader',
    GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
    GIT_TERMINAL_PROMPT: '0',
  };
}

/** What the remote branch points at, or null when it does not exist yet. */
export function remoteBranchHead(root: string, remote: string, branch: string, token?: string): string | null {
  const line = git(root, ['ls-remote', remote, `refs/heads/${branch}`], authEnv(token));
  return line ? line.split(/\s+/)[0] : null;
}

/** Fetches the remote branch (with the token when there is one) and returns the commit it points at. */
export function fetchBranch(root: string, remote: string, branch: string, token?: string): string {
  git(root, ['fetch', '-q', remote, `refs/heads/${branch}`], authEnv(token));
  return git(root, ['rev-parse', 'FETCH_HEAD']);
}

function atomicPush(root: string, options: PushOptions, commit: string): { ok: boolean; message: string } {
  const refs = [
    ...(options.branch ? [`${commit}:refs/heads/${options.branch}`] : []),
    ...options.tags.map((tag) => `refs/tags/${tag}:refs/tags/${tag}`),
  ];
  if (refs.length === 0) return { ok: true, message: '' };
  try {
    git(root, ['push', '--atomic', '--porcelain', options.remote, ...refs], authEnv(options.token));
    return { ok: true, message: '' };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}

/**
 * Pushes the branch and the release tags in one atomic push: either all land or none do, so a tag is never
 * public without its commit. When the branch moved on during the run (a push to main while this build ran),
 * the release commit is merged into the new tip and pushed once more; a merge conflict stops with the fix.
 */
export function pushRelease(options: PushOptions): PushResult {
  const { root, remote, branch } = options;
  const log = options.log ?? (() => undefined);
  const first = atomicPush(root, options, options.commit);
  if (first.ok) {
    log(
      `pushed ${options.commit.slice(0, 7)} to ${branch}${options.tags.length ? ` with ${options.tags.join(', ')}` : ''}`,
    );
    return { branchHead: options.commit, merged: false };
  }
  const fetched = fetchBranch(root, remote, branch, options.token);
  if (gitMaybe(root, ['merge-base', '--is-ancestor', options.commit, fetched]) !== null) {
    // The branch already contains the commit (nothing was released, or a rerun): only the tags are new.
    const tagsOnly = atomicPush(root, { ...options, branch: '' }, '');
    if (!tagsOnly.ok) throw new Error(`git push to ${remote} was rejected:\n${tagsOnly.message}`);
    log(
      `${branch} already contains ${options.commit.slice(0, 7)}${options.tags.length ? `; pushed ${options.tags.join(', ')}` : ''}`,
    );
    return { branchHead: fetched, merged: false };
  }
  if (gitMaybe(root, ['merge-base', '--is-ancestor', fetched, options.commit]) !== null) {
    // The branch was not behind us, so the rejection was something else (a tag that exists, permissions).
    throw new Error(`git push to ${remote} was rejected:\n${first.message}`);
  }
  log(`${branch} moved on to ${fetched.slice(0, 7)} during this run; merging the release into it`);
  const previous = git(root, ['rev-parse', 'HEAD']);
  const identity = { ...process.env, ...releaseIdentity(new Date().toISOString()) };
  git(root, ['checkout', '-q', '--detach', fetched]);
  try {
    git(
      root,
      [
        'merge',
        '--no-ff',
        '-q',
        '-m',
        `Merge release ${options.tags.join(', ') || options.commit.slice(0, 7)} into ${branch}`,
        options.commit,
      ],
      identity,
    );
  } catch (error) {
    gitMaybe(root, ['merge', '--abort']);
    git(root, ['checkout', '-q', '--detach', previous]);
    throw new Error(
      `the release ${options.commit.slice(0, 7)} conflicts with ${branch} at ${fetched.slice(0, 7)}; nothing was pushed. ` +
        `Rerun the pipeline on the new tip of ${branch}: it releases both changes.\n${(error as Error).message}`,
    );
  }
  const merge = git(root, ['rev-parse', 'HEAD']);
  const second = atomicPush(root, options, merge);
  if (!second.ok)
    throw new Error(`git push to ${remote} was rejected after merging into ${fetched.slice(0, 7)}:\n${second.message}`);
  log(
    `pushed the merge ${merge.slice(0, 7)} to ${branch}${options.tags.length ? ` with ${options.tags.join(', ')}` : ''}`,
  );
  return { branchHead: merge, merged: true };
}
