import { affectedBy, projectLayout } from './affected-layout';

describe('projectLayout', () => {
  it('makes the asked number of projects, each importing only earlier ones, so there is no cycle', () => {
    const layout = projectLayout(200);

    expect(layout).toHaveLength(200);
    expect(new Set(layout.map((project) => project.name)).size).toBe(200);
    layout.forEach((project, index) =>
      project.deps.forEach((dep) => expect(layout.findIndex((other) => other.name === dep)).toBeLessThan(index)),
    );
  });

  it('gives most projects a dependency and leaves some standalone', () => {
    const layout = projectLayout(200);
    const standalone = layout.filter((project) => project.deps.length === 0).length;

    expect(standalone).toBeGreaterThan(1);
    expect(standalone).toBeLessThan(40);
  });

  it('pads names so they sort in index order', () => {
    expect(projectLayout(12).map((project) => project.name)).toEqual(
      Array.from({ length: 12 }, (_, index) => `@scale/p${String(index).padStart(2, '0')}`),
    );
  });
});

describe('affectedBy', () => {
  it('is the changed project and every project that imports it, directly or not', () => {
    // p1 imports p0, p2 p1, p3 p1 and p2, p4 and p5 p2, p6 p3 and p5, p7 p3.
    expect(affectedBy(projectLayout(8), '@scale/p2')).toEqual([
      '@scale/p2',
      '@scale/p3',
      '@scale/p4',
      '@scale/p5',
      '@scale/p6',
      '@scale/p7',
    ]);
  });

  it('is the project alone when nothing imports it', () => {
    expect(affectedBy(projectLayout(8), '@scale/p6')).toEqual(['@scale/p6']);
  });
});
