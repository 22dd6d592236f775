import { join } from 'node:path';
import type { ServiceEntry } from '@gantry/service-catalog';
import type { Docker } from './docker';

export interface ServiceImageOptions {
  workspaceRoot: string;
  entry: ServiceEntry;
  tag: string;
  version: string;
  revision: string;
  builtAt: string;
  /** Overrides the Dockerfile's ECR Public default (a local stand-in here, a mirror elsewhere). */
  nodeImage?: string;
}

/** Builds one service image from its folder (context apps/<name>: only dist/ passes .dockerignore). */
export async function buildServiceImage(docker: Docker, options: ServiceImageOptions): Promise<string> {
  const args = [
    'build',
    '--tag', options.tag,
    '--build-arg', `VERSION=${options.version}`,
    '--build-arg', `REVISION=${options.revision}`,
    '--build-arg', `BUILT_AT=${options.builtAt}`,
  ];
  if (options.nodeImage) args.push('--build-arg', `NODE_IMAGE=${options.nodeImage}`);
  args.push(join(options.workspaceRoot, 'apps', options.entry.name));
  await docker(args);
  return options.tag;
}

/** The image's size in bytes, as the engine reports it. */
export async function imageSize(docker: Docker, tag: string): Promise<number> {
  return Number(await docker(['image', 'inspect', '--format', '{{.Size}}', tag]));
}
