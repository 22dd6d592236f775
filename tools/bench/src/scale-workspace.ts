import { join } from 'node:path';
import { generateService, type WorkspaceClone } from '@gantry/process/testing';

/** The names of `count` generated services: bench-svc-01, bench-svc-02, … */
export function generatedNames(count: number): string[] {
  const width = String(count).length;
  return Array.from(
    { length: count },
    (_, index) => `bench-svc-${String(index + 1).padStart(Math.max(2, width), '0')}`,
  );
}

/**
 * Adds `count` services to a clone with the service generator, one `nx g` each as a developer would, and
 * commits them all, so the pipeline's first run ships them.
 */
export async function addGeneratedServices(
  clone: WorkspaceClone,
  count: number,
  log: (line: string) => void,
): Promise<string[]> {
  const names = generatedNames(count);
  const env = { ...process.env, NX_CACHE_DIRECTORY: join(clone.root, '.nx/cache') };
  for (const [index, name] of names.entries()) {
    await generateService(clone.root, name, env);
    if ((index + 1) % 5 === 0 || index + 1 === count) log(`generated ${index + 1}/${count} services`);
  }
  if (count > 0) {
    clone.git('add', '-A');
    clone.git('commit', '-qm', `feat: ${count} more services from the generator`);
  }
  return names;
}
