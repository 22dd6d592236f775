import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { manifestPath } from './identity';

/** The version a service releases, from its package.json (nx release writes it there). */
export function serviceVersion(workspaceRoot: string, service: string): string {
  const version = (
    JSON.parse(readFileSync(join(workspaceRoot, manifestPath(service)), 'utf8')) as { version?: unknown }
  ).version;
  if (typeof version !== 'string' || version === '') throw new Error(`${manifestPath(service)} has no version`);
  return version;
}
