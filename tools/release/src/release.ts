import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { git } from '@gantry/process';
import { commitsSince, findings, RELEASE_COMMIT, type Commit, type LintFinding } from './commits';
import { decide } from './decide';
import { closureRoots, readGraph, type ReleaseGraph } from './graph';
import { runWorker } from './worker-client';
import { latestTag, releaseIdentity, seedMissingTags } from './seed';
import type { LintVerdict, VersionPlan } from './worker';

/** One service that is (or would be) released. */
export interface ReleasedService {
  /** Nx project name; for a service it is its folder name (`nx.name` in its package.json), e.g. `hello`. */
  project: string;
  /** Folder name under apps/: what the image repository and the route are named after. */
  service: string;
  previous: string;
  next: string;
  /** The git tag, `{projectName}@{version}`: `hello@0.2.0`. */
  tag: string;
  /** conventional: from feat/fix/perf/breaking commits. unclassified: a patch for commits nx cannot read. */
  reason: 'conventional' | 'unclassified';
}

export interface ReleaseResult {
  released: ReleasedService[];
  /** The release commit; null on a dry run or when nothing was released. */
  commit: string | null;
  /** Every release tag this run created: the new versions and any seeded baselines. To be pushed together. */
  tags: string[];
  /** Why nothing ran at all, when a guard stopped it. */
  skipped?: 'release-commit' | 'already-released';
  /** commitlint findings on the commits the release read (since the oldest service tag). */
  lint: LintFinding[];
  /** Bumps nx proposed that were dropped: no release-worthy commit touched the service or its libs (nrwl/nx#34211). */
  dropped: { project: string; next: string; reason: string }[];
}

export interface ReleaseOptions {
  root: string;
  /** Compute what would be released; write nothing (no files, no commit, no tags). */
  dryRun?: boolean;
  /** Lint the commits after this one (the pipeline's base); by default every commit since the oldest service tag. */
  lintFrom?: string;
  log?: (line: string) => void;
}

const COMMIT_SUBJECT = 'chore(release): publish';

/**
 * Versions the services changed since their last release tag: the real nx release (conventional commits,
 * independent versions, CHANGELOG.md per service), then one release commit and one annotated tag per service.
 * The commit and tags carry HEAD's commit date and a fixed identity, so a rerun of the same commit produces
 * the same release commit sha. Never pushes: see push.ts.
 */
export async function releaseAffected(options: ReleaseOptions): Promise<ReleaseResult> {
  const { root, dryRun = false } = options;
  const log = options.log ?? (() => undefined);
  const head = git(root, ['rev-parse', 'HEAD']);
  const none = { released: [], commit: null, tags: [], lint: [], dropped: [] };

  // Guards: a release commit never starts another release, and a released commit is never released twice.
  if (RELEASE_COMMIT.test(git(root, ['log', '-1', '--format=%s']))) {
    log(`HEAD ${head.slice(0, 7)} is a release commit: nothing to release`);
    return { ...none, skipped: 'release-commit' };
  }
  // The release commit takes what is staged; a modified tracked file would end up in it, or be overwritten.
  const dirty = git(root, ['status', '--porcelain', '--untracked-files=no']);
  if (dirty && !dryRun) {
    throw new Error(
      `the working tree has uncommitted changes to tracked files, which the release commit would take in; commit or stash them first:\n${dirty}`,
    );
  }
  const graph = readGraph(root);
  const servicePattern = new RegExp(
    `^(${graph.services.map((s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})@\\d`,
  );
  const tagsAtHead = git(root, ['tag', '--points-at', 'HEAD'])
    .split('\n')
    .filter((tag) => servicePattern.test(tag));
  if (tagsAtHead.length) {
    log(`HEAD ${head.slice(0, 7)} is already released (${tagsAtHead.join(', ')}): nothing to release`);
    return { ...none, skipped: 'already-released' };
  }

  const seeded = seedMissingTags(root, graph);
  for (const tag of seeded) log(`no release tag yet: ${tag} marks the baseline`);
  try {
    return await release(root, graph, seeded, { dryRun, lintFrom: options.lintFrom }, log);
  } finally {
    // A dry run leaves no trace, not even the baseline tags it needed to plan.
    if (dryRun) for (const tag of seeded) git(root, ['tag', '-d', tag]);
  }
}

async function release(
  root: string,
  graph: ReleaseGraph,
  seeded: string[],
  { dryRun, lintFrom }: { dryRun: boolean; lintFrom?: string },
  log: (line: string) => void,
): Promise<ReleaseResult> {
  const since = new Map(graph.services.map((project) => [project, latestTag(root, project)]));

  // commitlint over the range the pipeline builds (else every commit the release reads). Findings are
  // reported; the commits nx cannot classify get a patch below instead of being ignored.
  const read = new Map<string, Commit>();
  for (const ref of lintFrom ? [lintFrom] : since.values())
    for (const commit of commitsSince(root, ref)) read.set(commit.sha, commit);
  const commits = [...read.values()];
  const verdicts = commits.length
    ? runWorker<LintVerdict[]>(root, { command: 'lint', messages: commits.map((c) => c.message) })
    : [];
  const lint = findings(commits, verdicts);
  for (const finding of lint)
    log(`commitlint: ${finding.sha.slice(0, 7)} "${finding.subject}": ${finding.errors.join('; ')}`);

  const plan = runWorker<VersionPlan>(root, { command: 'plan', projects: graph.services });
  const conventional: string[] = [];
  const patch: string[] = [];
  const dropped: ReleaseResult['dropped'] = [];
  const relevantByProject = new Map<string, { subject: string; folders: string[] }[]>();
  for (const project of graph.services) {
    const roots = closureRoots(graph, project);
    const relevant = commitsSince(root, since.get(project) ?? null).filter(
      (commit) =>
        !RELEASE_COMMIT.test(commit.subject) && commit.files.some((file) => roots.some((r) => file.startsWith(r))),
    );
    relevantByProject.set(
      project,
      relevant.map((commit) => ({
        subject: commit.subject,
        folders: roots.filter((r) => commit.files.some((file) => file.startsWith(r))),
      })),
    );
    const next = plan[project]?.next;
    const decision = decide(relevant, next);
    if (decision.kind === 'conventional') conventional.push(project);
    if (decision.kind === 'patch') {
      patch.push(project);
      for (const commit of decision.unclassified)
        log(
          `warning: ${project}: "${commit.subject}" (${commit.sha.slice(0, 7)}) is not a conventional commit; releasing it as a patch`,
        );
    }
    if (decision.kind === 'dropped' && next) {
      dropped.push({
        project,
        next,
        reason: 'no release-worthy commit touched the service or its libs (root files only)',
      });
      log(`${project}: nx proposed ${plan[project].current} -> ${next}; dropped, only root files changed`);
    }
  }

  let versions: VersionPlan = plan;
  if (!dryRun && (conventional.length || patch.length)) {
    versions = runWorker<VersionPlan>(root, { command: 'apply', conventional, patch });
    for (const project of [...conventional, ...patch]) {
      const file = `${graph.roots.get(project)}/CHANGELOG.md`;
      if (listChangesInsteadOfBumpOnly(join(root, file), relevantByProject.get(project) ?? []))
        git(root, ['add', file]);
    }
  }
  const released: ReleasedService[] = [...conventional, ...patch].sort().map((project) => {
    const { current, next } = versions[project];
    // A dry run has no plan entry for a forced patch: compute it as nx will.
    const version = next ?? bumpPatch(current);
    return {
      project,
      service: basename(graph.roots.get(project) as string),
      previous: current,
      next: version,
      tag: `${project}@${version}`,
      reason: patch.includes(project) ? 'unclassified' : 'conventional',
    };
  });
  for (const r of released)
    log(
      `${r.project}: ${r.previous} -> ${r.next} (${r.tag}${r.reason === 'unclassified' ? ', patch for non-conventional commits' : ''})`,
    );
  if (dryRun || released.length === 0) return { released, commit: null, tags: dryRun ? [] : seeded, lint, dropped };

  const identity = { ...process.env, ...releaseIdentity(git(root, ['show', '-s', '--format=%cI', 'HEAD'])) };
  git(
    root,
    ['commit', '--no-verify', '-q', '-m', `${COMMIT_SUBJECT}\n\n${released.map((r) => `- ${r.tag}`).join('\n')}`],
    identity,
  );
  for (const r of released) git(root, ['tag', '-a', r.tag, '-m', r.tag], identity);
  const commit = git(root, ['rev-parse', 'HEAD']);
  return { released, commit, tags: [...seeded, ...released.map((r) => r.tag)], lint, dropped };
}

/**
 * nx writes "This was a version bump only … there were no code changes" for a service released because of a
 * change in one of its libraries, or of commits nx cannot classify. Both did change its code: list them.
 */
function listChangesInsteadOfBumpOnly(file: string, commits: { subject: string; folders: string[] }[]): boolean {
  const text = readFileSync(file, 'utf8');
  const bumpOnly = /^This was a version bump only for .*$/m;
  if (!bumpOnly.test(text) || commits.length === 0) return false;
  const lines = commits.map(
    (commit) => `- ${commit.subject} (${commit.folders.map((folder) => folder.replace(/\/$/, '')).join(', ')})`,
  );
  writeFileSync(file, text.replace(bumpOnly, `### Changes in this service or its libraries\n\n${lines.join('\n')}`));
  return true;
}

function bumpPatch(version: string): string {
  const [major, minor, patch] = version.split('.').map(Number);
  return `${major}.${minor}.${patch + 1}`;
}
