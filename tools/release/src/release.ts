import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One service that is (or would be) released. */
export interface ReleasedService {
  /** Nx project name, e.g. `@gantry/hello`. */
  project: string;
  /** Folder name under apps/, e.g. `hello`: what the image repository and route are named after. */
  service: string;
  previous: string;
  next: string;
  /** The git tag nx release creates: `{projectName}@{version}`, e.g. `@gantry/hello@0.2.0`. */
  tag: string;
}

export interface ReleaseResult {
  released: ReleasedService[];
  /** The release commit made by nx release; null on a dry run or when nothing was released. */
  commit: string | null;
  /** Why nothing ran at all, when a guard stopped it. */
  skipped?: 'release-commit' | 'already-released';
  /** Commits since the last release whose subject is not a conventional commit: they never cause a release. */
  nonConventional: { sha: string; subject: string }[];
  /** Services nx release proposed to bump that our own check dropped (only root files changed for them). */
  dropped: { project: string; next: string; reason: string }[];
}

export interface ReleaseOptions {
  root: string;
  /** Compute what would be released, write nothing (no files, no commit, no tags). */
  dryRun?: boolean;
  log?: (line: string) => void;
}

/** Commit subjects nx release writes (release.git.commitMessage in nx.json). */
export const RELEASE_COMMIT = /^chore\(release\)/;
/** A conventional commit subject: type(scope)!: subject. */
export const CONVENTIONAL = /^(\w+)(\([^)]*\))?(!)?: \S/;
/** Types that bump a version (nx release defaults: feat → minor, fix/perf → patch). */
const RELEASING_TYPES = new Set(['feat', 'fix', 'perf']);
const TAG_GLOB = '@gantry/*@*';

interface Workspace {
  /** project name → project root (apps/x, libs/y, tools/z). */
  roots: Map<string, string>;
  /** project name → workspace dependencies (package.json dependencies/devDependencies). */
  deps: Map<string, string[]>;
  /** service project names (tag type:service). */
  services: string[];
}

function readWorkspace(root: string): Workspace {
  const roots = new Map<string, string>();
  const deps = new Map<string, string[]>();
  const services: string[] = [];
  for (const folder of ['apps', 'libs', 'tools']) {
    if (!existsSync(join(root, folder))) continue;
    for (const entry of readdirSync(join(root, folder))) {
      const file = join(root, folder, entry, 'package.json');
      if (!existsSync(file)) continue;
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as {
        name: string;
        dependencies?: Record<string, string>;
        devDependencies?: Record<string, string>;
        nx?: { tags?: string[] };
      };
      roots.set(manifest.name, `${folder}/${entry}`);
      deps.set(manifest.name, Object.keys({ ...manifest.dependencies, ...manifest.devDependencies }));
      if (manifest.nx?.tags?.includes('type:service')) services.push(manifest.name);
    }
  }
  for (const [name, list] of deps) deps.set(name, list.filter((dep) => roots.has(dep)));
  return { roots, deps, services };
}

/** The roots of a project and of every workspace project it depends on, transitively. */
function closureRoots(workspace: Workspace, project: string): string[] {
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const dep of workspace.deps.get(name) ?? []) visit(dep);
  };
  visit(project);
  return [...seen].map((name) => `${workspace.roots.get(name)}/`);
}

function git(root: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).trim();
}

function nx(root: string, args: string[]): string {
  return execFileSync(process.execPath, [join(root, 'node_modules/nx/dist/bin/nx.js'), ...args], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', NX_INTERACTIVE: 'false', FORCE_COLOR: '0' },
    maxBuffer: 64 * 1024 * 1024,
  });
}

interface Commit {
  sha: string;
  subject: string;
  body: string;
  files: string[];
}

function commitsSince(root: string, ref: string | null): Commit[] {
  const range = ref ? [`${ref}..HEAD`] : ['HEAD'];
  const raw = git(root, 'log', '--no-merges', '--format=%x1e%H%x1f%s%x1f%b%x1f', '--name-only', ...range);
  return raw
    .split('\x1e')
    .filter((chunk) => chunk.trim())
    .map((chunk) => {
      const [sha, subject, body, files] = chunk.split('\x1f');
      return { sha, subject, body, files: files.split('\n').map((f) => f.trim()).filter(Boolean) };
    });
}

/** Does this commit bump a version at all (release-worthy type, or a breaking change)? */
function isReleasing(commit: Commit): boolean {
  const match = CONVENTIONAL.exec(commit.subject);
  if (!match) return false;
  return RELEASING_TYPES.has(match[1]) || match[3] === '!' || /^BREAKING[ -]CHANGE:/m.test(commit.body);
}

function lastReleaseTag(root: string): string | null {
  try {
    return git(root, 'describe', '--tags', '--abbrev=0', '--match', TAG_GLOB, 'HEAD');
  } catch {
    return null;
  }
}

/** Parses nx release's per-project log lines into project → {previous, next}. */
export function parseNxReleaseOutput(output: string): Map<string, { previous: string; next: string }> {
  const plan = new Map<string, { previous: string; next: string }>();
  const previous = new Map<string, string>();
  for (const line of output.split('\n')) {
    const current = /^(\S+) .*Resolved the current version as (\S+) /.exec(line);
    if (current) previous.set(current[1], current[2]);
    const next = /^(\S+) .*to get new version (\S+)\s*$/.exec(line);
    if (next) plan.set(next[1], { previous: previous.get(next[1]) ?? '', next: next[2] });
  }
  return plan;
}

/**
 * Versions the services changed since their last release with the real `nx release`
 * (conventional commits, independent versions, CHANGELOG.md per service, a release commit and
 * one tag per service; never publishes, never pushes).
 */
export async function releaseAffected(options: ReleaseOptions): Promise<ReleaseResult> {
  const { root, dryRun = false } = options;
  const log = options.log ?? (() => undefined);
  const head = git(root, 'rev-parse', 'HEAD');
  const subject = git(root, 'log', '-1', '--format=%s');
  const since = lastReleaseTag(root);
  const nonConventional = commitsSince(root, since)
    .filter((commit) => !CONVENTIONAL.test(commit.subject))
    .map(({ sha, subject: s }) => ({ sha, subject: s }));
  for (const commit of nonConventional) log(`warning: not a conventional commit, it releases nothing: ${commit.sha.slice(0, 7)} ${commit.subject}`);
  const empty = { released: [], commit: null, nonConventional, dropped: [] };

  if (RELEASE_COMMIT.test(subject)) {
    log(`HEAD ${head.slice(0, 7)} is a release commit; nothing to release`);
    return { ...empty, skipped: 'release-commit' };
  }
  const tagsAtHead = git(root, 'tag', '--points-at', 'HEAD', '--list', TAG_GLOB);
  if (tagsAtHead) {
    log(`HEAD ${head.slice(0, 7)} is already released (${tagsAtHead.split('\n').join(', ')})`);
    return { ...empty, skipped: 'already-released' };
  }

  // 1. What nx release would do.
  const plan = parseNxReleaseOutput(nx(root, ['release', '--skip-publish', '--dry-run']));

  // 2. Our own check against nrwl/nx#34211: a commit to a root file (nx.json, package-lock.json…) makes
  //    every project "affected", so nx proposes a bump for every service. Keep a bump only when a
  //    release-worthy commit since the service's tag touched the service or a workspace project it
  //    depends on.
  const workspace = readWorkspace(root);
  const planned: ReleasedService[] = [];
  const dropped: ReleaseResult['dropped'] = [];
  for (const [project, { previous, next }] of plan) {
    if (!workspace.services.includes(project)) continue;
    const roots = closureRoots(workspace, project);
    const tag = `${project}@${previous}`;
    const relevant = commitsSince(root, tag).some(
      (commit) => isReleasing(commit) && !RELEASE_COMMIT.test(commit.subject) && commit.files.some((file) => roots.some((r) => file.startsWith(r))),
    );
    if (!relevant) {
      dropped.push({ project, next, reason: 'only files outside the service and its libs changed (root files)' });
      log(`${project}: nx proposed ${previous} -> ${next}, dropped: no release-worthy change in the service or its libs`);
      continue;
    }
    planned.push({ project, service: (workspace.roots.get(project) ?? project).split('/').pop() ?? project, previous, next, tag: `${project}@${next}` });
  }
  planned.sort((a, b) => a.project.localeCompare(b.project));
  for (const p of planned) log(`${p.project}: ${p.previous} -> ${p.next} (${p.tag})`);

  if (dryRun || planned.length === 0) return { released: planned, commit: null, nonConventional, dropped };

  // 3. The real release, limited to the services that passed the check.
  nx(root, ['release', '--skip-publish', '--projects', planned.map((p) => p.project).join(',')]);
  const commit = git(root, 'rev-parse', 'HEAD');
  const tags = new Set(git(root, 'tag', '--points-at', 'HEAD', '--list', TAG_GLOB).split('\n'));
  const missing = planned.filter((p) => !tags.has(p.tag));
  if (commit === head || missing.length) {
    throw new Error(`nx release did not produce the expected commit and tags (missing: ${missing.map((p) => p.tag).join(', ') || 'commit'})`);
  }
  return { released: planned, commit, nonConventional, dropped };
}

/**
 * Bootstrap: tags every service at `ref` with its current package.json version, so the first
 * release has a starting point (nx release reads the current version from these tags).
 */
export function seedReleaseTags(root: string, ref = 'HEAD'): string[] {
  const workspace = readWorkspace(root);
  const created: string[] = [];
  for (const project of workspace.services) {
    const manifest = JSON.parse(git(root, 'show', `${ref}:${workspace.roots.get(project)}/package.json`)) as { version: string };
    const tag = `${project}@${manifest.version}`;
    if (!git(root, 'tag', '--list', tag)) {
      git(root, 'tag', tag, ref);
      created.push(tag);
    }
  }
  return created;
}
