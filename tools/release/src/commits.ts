import { git } from '@gantry/process';
import type { LintVerdict } from './worker';

export interface Commit {
  sha: string;
  subject: string;
  /** The whole message: subject, blank line, body and footers. */
  message: string;
  files: string[];
}

/** Non-merge commits reachable from HEAD and not from `since` (all of them when `since` is null), newest first. */
export function commitsSince(root: string, since: string | null): Commit[] {
  // NUL is the one byte neither a message nor a path can hold; only the range, never a list of commits, is in argv.
  const raw = git(root, [
    'log',
    '-z',
    '--no-merges',
    '--root', // the first commit's files too, whatever log.showRoot says
    '--no-show-signature', // log.showSignature would write gpg output into the stream
    '--format=%x00%H%x00%B',
    '--name-only',
    since ? `${since}..HEAD` : 'HEAD',
  ]);
  return parseLog(raw.split('\0'));
}

/** Per commit: an empty opener (no path is empty), sha, raw message, paths; git writes "\n" before the first path. */
function parseLog(fields: string[]): Commit[] {
  const commits: Commit[] = [];
  let i = 0;
  while (i + 2 < fields.length) {
    const sha = fields[i + 1];
    const message = fields[i + 2];
    const files: string[] = [];
    for (i += 3; i < fields.length && fields[i] !== ''; i++)
      files.push(files.length ? fields[i] : fields[i].replace(/^\n/, ''));
    commits.push({ sha, subject: message.split('\n')[0], message: message.trim(), files });
  }
  return commits;
}

/** Commit subjects of release commits: ours (release.ts) and a hand-run `nx release` (nx.json release.git.commitMessage). */
export const RELEASE_COMMIT = /^chore\(release\)/;
/** A conventional commit header: type(scope)!: subject. */
export const CONVENTIONAL = /^(\w+)(\([^)]*\))?(!)?: \S/;
/** Types that nx release turns into a bump (feat → minor, fix/perf → patch); a breaking change is major. */
const RELEASING_TYPES = new Set(['feat', 'fix', 'perf']);
/** The types @commitlint/config-conventional accepts; they, and only they, mean "no bump" on purpose. */
const KNOWN_TYPES = new Set([
  'build',
  'chore',
  'ci',
  'docs',
  'feat',
  'fix',
  'perf',
  'refactor',
  'revert',
  'style',
  'test',
]);

export type CommitKind = 'releasing' | 'no-bump' | 'unclassified';

/**
 * releasing: nx release bumps for it. no-bump: a known type that deliberately releases nothing (docs, chore…).
 * unclassified: nx cannot read a type from it (`Update main`, `Revert "…"`, `infra: …`), so nx would release
 * nothing for it; the release gives such a change a patch instead of dropping it silently.
 */
export function classify(commit: Commit): CommitKind {
  const match = CONVENTIONAL.exec(commit.subject);
  if (!match || !KNOWN_TYPES.has(match[1])) return 'unclassified';
  if (RELEASING_TYPES.has(match[1]) || match[3] === '!' || /^BREAKING[ -]CHANGE:/m.test(commit.message))
    return 'releasing';
  return 'no-bump';
}

/** A commitlint finding, for the report. */
export interface LintFinding {
  sha: string;
  subject: string;
  errors: string[];
}

export function findings(commits: Commit[], verdicts: LintVerdict[]): LintFinding[] {
  return commits.flatMap((commit, index) =>
    verdicts[index].valid ? [] : [{ sha: commit.sha, subject: commit.subject, errors: verdicts[index].errors }],
  );
}
