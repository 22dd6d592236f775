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
  const range = since ? [`${since}..HEAD`] : ['HEAD'];
  const raw = git(root, ['log', '--no-merges', '--format=%x1e%H%x1f%B%x1f', '--name-only', ...range]);
  return raw
    .split('\x1e')
    .filter((chunk) => chunk.trim())
    .map((chunk) => {
      const [sha, message, files] = chunk.split('\x1f');
      return {
        sha,
        subject: message.split('\n')[0],
        message: message.trim(),
        files: files
          .split('\n')
          .map((file) => file.trim())
          .filter(Boolean),
      };
    });
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
