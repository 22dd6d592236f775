import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nxSync } from '@gantry/process';

/** What the release needs from the Nx project graph. */
export interface ReleaseGraph {
  /** project → root folder (apps/hello). */
  roots: Map<string, string>;
  /** project → the workspace projects it depends on, directly. */
  deps: Map<string, string[]>;
  /** Projects tagged type:service: the ones nx release versions (nx.json release.projects). */
  services: string[];
}

interface GraphFile {
  graph: {
    nodes: Record<string, { data: { root: string; tags?: string[] } }>;
    dependencies: Record<string, { target: string }[]>;
  };
}

/** Reads the real project graph (`nx graph --file`), so dependencies are the ones Nx itself sees. */
export function readGraph(root: string): ReleaseGraph {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-graph-'));
  try {
    const file = join(dir, 'graph.json');
    nxSync(root, ['graph', `--file=${file}`]);
    const { graph } = JSON.parse(readFileSync(file, 'utf8')) as GraphFile;
    const roots = new Map(Object.entries(graph.nodes).map(([name, node]) => [name, node.data.root]));
    const deps = new Map(
      Object.entries(graph.dependencies).map(([name, list]) => [
        name,
        list.map((d) => d.target).filter((t) => roots.has(t)),
      ]),
    );
    const services = Object.entries(graph.nodes)
      .filter(([, node]) => node.data.tags?.includes('type:service'))
      .map(([name]) => name)
      .sort();
    return { roots, deps, services };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
