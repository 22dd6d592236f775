export interface ScaleSettings {
  /** Workspace sizes in services, smallest first. */
  sizes: number[];
  /** Projects in the `nx affected` workspace. */
  projects: number;
  /** Where the section is written instead of docs/benchmarks.md. */
  out?: string;
}

function count(name: string, raw: string, min: number, why = ''): number {
  const value = Number(raw.trim());
  if (!/^\d+$/.test(raw.trim()) || value < min) {
    throw new Error(`${name}: "${raw}" is not a whole number ≥ ${min}${why}`);
  }
  return value;
}

/**
 * BENCH_SCALE_SERVICES (sizes, default 3,30), BENCH_SCALE_PROJECTS (default 200) and BENCH_SCALE_OUT. A size
 * below the repo's own service count cannot be made by adding services, so it is refused.
 */
export function scaleSettings(env: NodeJS.ProcessEnv, existingServices: number): ScaleSettings {
  const raw = env['BENCH_SCALE_SERVICES'] || `${existingServices},30`;
  const why = ` (the repository already has ${existingServices} services, and the bench only adds)`;
  const sizes = [...new Set(raw.split(',').map((size) => count('BENCH_SCALE_SERVICES', size, existingServices, why)))];
  return {
    sizes: sizes.sort((a, b) => a - b),
    projects: count('BENCH_SCALE_PROJECTS', env['BENCH_SCALE_PROJECTS'] || '200', 2),
    out: env['BENCH_SCALE_OUT'] || undefined,
  };
}
