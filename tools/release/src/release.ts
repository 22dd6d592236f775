import { basename, join } from 'node:path';
import { git } from '@gantry/process';
import { addImageInputLines, listChangesInsteadOfBumpOnly } from './changelog';
import { commitsSince, findings, RELEASE_COMMIT, type Commit, type LintFinding } from './commits';
import { decide } from './decide';
import { closureRoots, toReleaseGraph, type ReleaseGraph } from './graph';
import { bundlePackages, imageInputChanges, LOCK_FILE } from './image-inputs';
import { latestTag, releaseIdentity, seedMissingTags } from './seed';
import { ReleaseWorker } from './worker-client';
import type { LintVerdict, RawGraph, VersionPlan } from './worker';
import { SERVICE_DOCKERFILE } from '@gantry/service-catalog';

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
  /**
   * conventional: from feat/fix/perf/breaking commits. unclassified: a patch for commits nx cannot read.
   * image: a patch because a bundled package or the service Dockerfile changed.
   */
  reason: 'conventional' | 'unclassified' | 'image';
  /** What changed in the image besides the code: `dependency fastify 5.1.0 → 5.1.1`, `base image … → …`. */
  imageChanges: string[];
  /** Versions passed over because they were spent (see ReleaseOptions.nextFreeVersion). */
  skippedVersions: string[];
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
}

export interface ReleaseOptions {
  root: string;
  /** Compute what would be released; write nothing (no files, no commit, no tags). */
  dryRun?: boolean;
  /** Lint the commits after this one (the pipeline's base); by default every commit since the oldest service tag. */
  lintFrom?: string;
  /**
   * Gets the version the release computed for a service and answers the one to use: the first that is not
   * spent (an image of it exists from another run). Undefined keeps every computed version.
   */
  nextFreeVersion?: (service: string, version: string) => Promise<string>;
  log?: (line: string) => void;
}

const COMMIT_SUBJECT = 'chore(release): publish';
const NOTHING = { released: [], commit: null, tags: [], lint: [] };

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

  // Guards: a release commit never starts another release, and a released commit is never released twice.
  if (RELEASE_COMMIT.test(git(root, ['log', '-1', '--format=%s']))) {
    log(`HEAD ${head.slice(0, 7)} is a release commit: nothing to release`);
    return { ...NOTHING, skipped: 'release-commit' };
  }
  // The release commit takes what is staged; a modified tracked file would end up in it, or be overwritten.
  const dirty = git(root, ['status', '--porcelain', '--untracked-files=no']);
  if (dirty && !dryRun) {
    throw new Error(
      `the working tree has uncommitted changes to tracked files, which the release commit would take in; commit or stash them first:\n${dirty}`,
    );
  }
  // One worker process for the whole release: the graph, commitlint, the plan and the apply.
  const worker = ReleaseWorker.start(root);
  try {
    return await releaseWith(worker, options, head, log);
  } finally {
    worker.close();
  }
}

async function releaseWith(
  worker: ReleaseWorker,
  options: ReleaseOptions,
  head: string,
  log: (line: string) => void,
): Promise<ReleaseResult> {
  const { root, dryRun = false } = options;
  const graph = toReleaseGraph(await worker.request<RawGraph>({ command: 'graph' }));
  const servicePattern = new RegExp(
    `^(${graph.services.map((s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})@\\d`,
  );
  const tagsAtHead = git(root, ['tag', '--points-at', 'HEAD'])
    .split('\n')
    .filter((tag) => servicePattern.test(tag));
  if (tagsAtHead.length) {
    log(`HEAD ${head.slice(0, 7)} is already released (${tagsAtHead.join(', ')}): nothing to release`);
    return { ...NOTHING, skipped: 'already-released' };
  }

  const seeded = seedMissingTags(root, graph);
  for (const tag of seeded) log(`no release tag yet: ${tag} marks the baseline`);
  try {
    return await release(
      worker,
      root,
      graph,
      seeded,
      { dryRun, lintFrom: options.lintFrom, nextFreeVersion: options.nextFreeVersion },
      log,
    );
  } finally {
    // A dry run leaves no trace, not even the baseline tags it needed to plan.
    if (dryRun) for (const tag of seeded) git(root, ['tag', '-d', tag]);
  }
}

async function release(
  worker: ReleaseWorker,
  root: string,
  graph: ReleaseGraph,
  seeded: string[],
  {
    dryRun,
    lintFrom,
    nextFreeVersion,
  }: { dryRun: boolean; lintFrom?: string; nextFreeVersion?: ReleaseOptions['nextFreeVersion'] },
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
    ? await worker.request<LintVerdict[]>({ command: 'lint', messages: commits.map((c) => c.message) })
    : [];
  const lint = findings(commits, verdicts);
  for (const finding of lint)
    log(`commitlint: ${finding.sha.slice(0, 7)} "${finding.subject}": ${finding.errors.join('; ')}`);

  // Each service's commits since its tag that touch it or its libs, and what changed in its image besides code.
  const relevantByProject = new Map<string, Commit[]>();
  const imageChangesByProject = new Map<string, string[]>();
  for (const project of graph.services) {
    const roots = closureRoots(graph, project);
    const history = commitsSince(root, since.get(project) ?? null).filter(
      (commit) => !RELEASE_COMMIT.test(commit.subject),
    );
    relevantByProject.set(
      project,
      history.filter((commit) => commit.files.some((file) => roots.some((r) => file.startsWith(r)))),
    );
    imageChangesByProject.set(project, imageChangesSince(root, history, basename(graph.roots.get(project) as string)));
  }
  // A service releases only for a releasing or unclassified commit, or an image change (decide.ts); when no
  // service has one, nx release is not asked.
  const candidates = graph.services.filter(
    (project) =>
      decide(relevantByProject.get(project) ?? [], undefined, (imageChangesByProject.get(project) ?? []).length > 0)
        .kind === 'patch',
  );
  if (candidates.length === 0) {
    log('no service has a release-worthy commit or image change since its last release: nx release is not asked');
    return { released: [], commit: null, tags: dryRun ? [] : seeded, lint };
  }

  // nx release plans only the candidates: asked about every service, it proposes a patch for each after a
  // root-file commit (nrwl/nx#34211), and planning 30 services costs about as much as releasing them.
  const plan = await worker.request<VersionPlan>({ command: 'plan', projects: candidates });
  const conventional: string[] = [];
  const patch: string[] = [];
  for (const project of candidates) {
    const decision = decide(
      relevantByProject.get(project) ?? [],
      plan[project]?.next,
      (imageChangesByProject.get(project) ?? []).length > 0,
    );
    if (decision.kind === 'conventional') conventional.push(project);
    if (decision.kind === 'patch') {
      patch.push(project);
      for (const commit of decision.unclassified)
        log(
          `warning: ${project}: "${commit.subject}" (${commit.sha.slice(0, 7)}) is not a conventional commit; releasing it as a patch`,
        );
    }
  }

  // The version each release would get, then the first free one: a spent version is never given twice.
  const chosen = new Map<string, { computed: string; version: string }>();
  for (const project of [...conventional, ...patch]) {
    const computed = conventional.includes(project) ? (plan[project].next as string) : bumpPatch(plan[project].current);
    const service = basename(graph.roots.get(project) as string);
    chosen.set(project, { computed, version: nextFreeVersion ? await nextFreeVersion(service, computed) : computed });
  }
  const exact = Object.fromEntries(
    [...chosen].filter(([, c]) => c.version !== c.computed).map(([p, c]) => [p, c.version]),
  );
  let versions: VersionPlan = plan;
  if (!dryRun && chosen.size > 0) {
    versions = await worker.request<VersionPlan>({
      command: 'apply',
      conventional: conventional.filter((p) => !exact[p]),
      patch: patch.filter((p) => !exact[p]),
      exact,
    });
    for (const project of chosen.keys()) {
      const file = join(root, graph.roots.get(project) as string, 'CHANGELOG.md');
      const listed = listChangesInsteadOfBumpOnly(file, changelogEntries(graph, project, relevantByProject));
      const added = addImageInputLines(file, imageChangesByProject.get(project) ?? []);
      if (listed || added) git(root, ['add', file]);
    }
  }
  const released: ReleasedService[] = [...chosen.keys()].sort().map((project) => {
    const { current } = versions[project] ?? plan[project];
    const { computed, version } = chosen.get(project) as { computed: string; version: string };
    const imageChanges = imageChangesByProject.get(project) ?? [];
    return {
      project,
      service: basename(graph.roots.get(project) as string),
      previous: current,
      next: version,
      tag: `${project}@${version}`,
      reason: conventional.includes(project)
        ? 'conventional'
        : (relevantByProject.get(project) ?? []).length
          ? 'unclassified'
          : 'image',
      imageChanges,
      skippedVersions: skippedBetween(computed, version),
    };
  });
  for (const r of released) {
    const why =
      r.reason === 'unclassified'
        ? ', patch for non-conventional commits'
        : r.reason === 'image'
          ? `, patch for ${r.imageChanges.join('; ')}`
          : '';
    log(`${r.project}: ${r.previous} -> ${r.next} (${r.tag}${why})`);
    if (r.skippedVersions.length)
      log(
        `${r.project}: passed over ${r.skippedVersions.join(', ')}: an image of each exists from a run that did not finish; versions are never given twice`,
      );
  }
  if (dryRun || released.length === 0) return { released, commit: null, tags: dryRun ? [] : seeded, lint };

  const identity = { ...process.env, ...releaseIdentity(git(root, ['show', '-s', '--format=%cI', 'HEAD'])) };
  git(
    root,
    ['commit', '--no-verify', '-q', '-m', `${COMMIT_SUBJECT}\n\n${released.map((r) => `- ${r.tag}`).join('\n')}`],
    identity,
  );
  for (const r of released) git(root, ['tag', '-a', r.tag, '-m', r.tag], identity);
  const commit = git(root, ['rev-parse', 'HEAD']);
  return { released, commit, tags: [...seeded, ...released.map((r) => r.tag)], lint };
}

/** The changelog lines of a service's relevant commits: each subject and the folders it touched. */
function changelogEntries(
  graph: ReleaseGraph,
  project: string,
  relevantByProject: ReadonlyMap<string, Commit[]>,
): { subject: string; folders: string[] }[] {
  const roots = closureRoots(graph, project);
  return (relevantByProject.get(project) ?? []).map((commit) => ({
    subject: commit.subject,
    folders: roots.filter((r) => commit.files.some((file) => file.startsWith(r))),
  }));
}

/** What the commits since a service's tag changed in its image besides its code: bundled packages, the Dockerfile. */
function imageChangesSince(root: string, history: readonly Commit[], service: string): string[] {
  const touching = history.filter(
    (commit) => commit.files.includes(LOCK_FILE) || commit.files.includes(SERVICE_DOCKERFILE),
  );
  if (touching.length === 0) return [];
  const bundle = bundlePackages(root, service);
  return [...new Set(touching.reverse().flatMap((commit) => imageInputChanges(root, commit, bundle)))];
}

/** The versions from `computed` up to, not including, `chosen`, one patch apart. */
function skippedBetween(computed: string, chosen: string): string[] {
  const skipped: string[] = [];
  for (let version = computed; version !== chosen && skipped.length < 100; version = bumpPatch(version))
    skipped.push(version);
  return skipped;
}

function bumpPatch(version: string): string {
  const [major, minor, patch] = version.split('.').map(Number);
  return `${major}.${minor}.${patch + 1}`;
}
