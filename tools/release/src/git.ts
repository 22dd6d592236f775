import { execFileSync } from 'node:child_process';

/** Runs git in `root` and returns its trimmed stdout; a failure carries git's own message. */
export function git(root: string, args: string[], env?: NodeJS.ProcessEnv): string {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env, maxBuffer: 64 << 20 }).trim();
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? '').trim();
    throw new Error(`git ${args.join(' ')} failed in ${root}: ${stderr || (error as Error).message}`);
  }
}

/** git, but null instead of an error (for questions whose answer may be "none"). */
export function gitMaybe(root: string, args: string[]): string | null {
  try {
    return git(root, args);
  } catch {
    return null;
  }
}

export interface Commit {
  sha: string;
  subject: string;
  /** The whole message: subject, blank line, body and footers. */
  message: string;
  files: string[];
}

/** Non-merge commits reachable from HEAD and not from `since` (all of them when `since` is null), newest first. */
export function commitsSince(root: string, since: string | null): Commit[] {
  const range = since ? [`${since}..HEAD`] : ['HEAD'];
  const raw = git(root, ['log', '--no-merges', '--format=%x1e%H%x1f%B%x1f', '--name-only', ...range]);
  return raw
    .split('\x1e')
    .filter((chunk) => chunk.trim())
    .map((chunk) => {
      const [sha, message, files] = chunk.split('\x1f');
      return { sha, subject: message.split('\n')[0], message: message.trim(), files: files.split('\n').map((file) => file.trim()).filter(Boolean) };
    });
}
