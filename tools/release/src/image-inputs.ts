import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gitMaybe } from '@gantry/process';
import { bundleMetafilePath, SERVICE_DOCKERFILE } from '@gantry/service-catalog';
import type { Commit } from './commits';

// What goes into a service's image besides its own code and libraries: the npm packages esbuild bundles
// (pinned in package-lock.json) and the shared Dockerfile with its pinned base image. A commit that changes
// either changes the image, whatever its type, so it must ship as a release.

export const LOCK_FILE = 'package-lock.json';

interface LockEntry {
  version?: string;
  dev?: boolean;
  link?: boolean;
}

/** Production packages of a lock file (v2/v3 `packages`), by name; nested copies count under the same name. */
function productionPackages(text: string | null): Map<string, Set<string>> {
  const packages = new Map<string, Set<string>>();
  if (!text) return packages;
  const entries = (JSON.parse(text) as { packages?: Record<string, LockEntry> }).packages ?? {};
  for (const [path, entry] of Object.entries(entries)) {
    const at = path.lastIndexOf('node_modules/');
    if (at < 0 || entry.dev || entry.link || !entry.version) continue;
    const name = path.slice(at + 'node_modules/'.length);
    packages.set(name, (packages.get(name) ?? new Set()).add(entry.version));
  }
  return packages;
}

export interface PackageChange {
  name: string;
  from: string;
  to: string;
}

/** The production packages whose versions differ between two lock files (dev-only packages never ship). */
export function lockChanges(before: string | null, after: string | null): PackageChange[] {
  const [old, now] = [productionPackages(before), productionPackages(after)];
  const names = new Set([...old.keys(), ...now.keys()]);
  const show = (versions?: Set<string>) => (versions ? [...versions].sort().join(', ') : 'none');
  return [...names]
    .filter((name) => show(old.get(name)) !== show(now.get(name)))
    .sort()
    .map((name) => ({ name, from: show(old.get(name)), to: show(now.get(name)) }));
}

/** The packages esbuild put into a service's bundle (from its metafile); undefined when it is not built. */
export function bundlePackages(root: string, service: string): Set<string> | undefined {
  const file = join(root, bundleMetafilePath(service));
  if (!existsSync(file)) return undefined;
  const inputs = Object.keys((JSON.parse(readFileSync(file, 'utf8')) as { inputs?: object }).inputs ?? {});
  const names = inputs.flatMap((input) => {
    const at = input.lastIndexOf('node_modules/');
    if (at < 0) return [];
    const [first, second] = input.slice(at + 'node_modules/'.length).split('/');
    return [first.startsWith('@') ? `${first}/${second}` : first];
  });
  return new Set(names);
}

/** The Dockerfile's lines that build something: a comment or blank line changes no image. */
function buildLines(text: string | null): string {
  return (text ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .join('\n');
}

function showFile(root: string, commit: string, path: string): string | null {
  return gitMaybe(root, ['show', `${commit}:${path}`]);
}

/** Lines for the changelog: how one commit changed what `bundle` (a service's packages) and every image contain. */
export function imageInputChanges(root: string, commit: Commit, bundle: ReadonlySet<string> | undefined): string[] {
  const lines: string[] = [];
  if (commit.files.includes(LOCK_FILE) && bundle) {
    const parent = `${commit.sha}^`;
    for (const change of lockChanges(showFile(root, parent, LOCK_FILE), showFile(root, commit.sha, LOCK_FILE))) {
      if (bundle.has(change.name)) lines.push(`dependency ${change.name} ${change.from} → ${change.to}`);
    }
  }
  if (commit.files.includes(SERVICE_DOCKERFILE)) {
    const [before, after] = [
      showFile(root, `${commit.sha}^`, SERVICE_DOCKERFILE),
      showFile(root, commit.sha, SERVICE_DOCKERFILE),
    ];
    if (buildLines(before) !== buildLines(after)) {
      const base = (text: string | null) => /^ARG NODE_IMAGE=(\S+)/m.exec(text ?? '')?.[1] ?? 'none';
      const pinChanged = before !== null && base(before) !== base(after);
      lines.push(
        pinChanged ? `base image ${base(before)} → ${base(after)}` : `service image: ${SERVICE_DOCKERFILE} changed`,
      );
    }
  }
  return lines;
}
