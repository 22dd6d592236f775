import type { RawGraph } from './worker';

/** What the release needs from the Nx project graph. */
export interface ReleaseGraph {
  /** project → root folder (apps/hello). */
  roots: Map<string, string>;
  /** project → the workspace projects it depends on, directly. */
  deps: Map<string, string[]>;
  /** Projects tagged type:service: the ones nx release versions (nx.json release.projects). */
  services: string[];
}

/** The release's view of the real project graph (the worker's `graph`), so dependencies are the ones Nx sees. */
export function toReleaseGraph(raw: RawGraph): ReleaseGraph {
  const roots = new Map(Object.entries(raw.nodes).map(([name, node]) => [name, node.root]));
  const deps = new Map(
    Object.entries(raw.dependencies).map(([name, targets]) => [name, targets.filter((t) => roots.has(t))]),
  );
  const services = Object.entries(raw.nodes)
    .filter(([, node]) => node.tags.includes('type:service'))
    .map(([name]) => name)
    .sort();
  return { roots, deps, services };
}

/** The root folders (with a trailing slash) of a project and every workspace project it depends on. */
export function closureRoots(graph: ReleaseGraph, project: string): string[] {
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const dep of graph.deps.get(name) ?? []) visit(dep);
  };
  visit(project);
  return [...seen].map((name) => `${graph.roots.get(name)}/`);
}
