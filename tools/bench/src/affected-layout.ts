/** One project of the synthetic workspace and the projects it imports. */
export interface LayoutProject {
  name: string;
  deps: string[];
}

export const projectName = (index: number, count: number): string =>
  `@scale/p${String(index).padStart(String(count - 1).length, '0')}`;

/**
 * `count` projects shaped like a workspace of libraries: project i imports project ⌊i/2⌋ (a tree, so a
 * change near the root affects many and one near the leaves few), and every third project also imports
 * project i−1; every tenth imports nothing, as a standalone tool would.
 */
export function projectLayout(count: number): LayoutProject[] {
  return Array.from({ length: count }, (_, index) => {
    const deps = new Set<number>();
    if (index > 0 && index % 10 !== 0) {
      deps.add(Math.floor(index / 2));
      if (index % 3 === 0) deps.add(index - 1);
    }
    return { name: projectName(index, count), deps: [...deps].map((dep) => projectName(dep, count)) };
  });
}

/** What `nx affected` must answer for a change in `changed`: it and every project that reaches it. */
export function affectedBy(layout: readonly LayoutProject[], changed: string): string[] {
  const affected = new Set([changed]);
  for (let grew = true; grew;) {
    grew = false;
    for (const project of layout) {
      if (!affected.has(project.name) && project.deps.some((dep) => affected.has(dep))) {
        affected.add(project.name);
        grew = true;
      }
    }
  }
  return [...affected].sort();
}
