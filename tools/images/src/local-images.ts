import type { Docker } from '@gantry/docker';
import { serviceVersion, type ServiceEntry } from '@gantry/service-catalog';
import { buildImage } from './build';

/** An image built into the local engine, not pushed anywhere. */
export interface LocalServiceImage {
  tag: string;
  version: string;
  imageId: string;
}

/**
 * Builds each catalog service's image into the local engine, at its current version: what the container
 * and resilience suites run. Throws if a build would push (that needs a registry, which they have none of).
 */
export async function buildLocalServiceImages(
  docker: Docker,
  options: {
    workspaceRoot: string;
    catalog: readonly ServiceEntry[];
    nodeImage: string;
    revision: string;
    builtAt: string;
    log?: (line: string) => void;
  },
): Promise<Map<string, LocalServiceImage>> {
  const images = new Map<string, LocalServiceImage>();
  for (const entry of options.catalog) {
    const version = serviceVersion(options.workspaceRoot, entry.name);
    const built = await buildImage(docker, { ...options, service: entry.name, version });
    if (built.kind !== 'local') throw new Error(`${entry.name}: expected a local image, got a pushed one`);
    images.set(entry.name, { tag: built.localImage, version, imageId: built.imageId });
  }
  return images;
}
