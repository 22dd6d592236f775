import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// Steps run as separate commands (buildspec phases), so each leaves its result in dist/pipeline/<step>.json.
export function stateDir(root: string): string {
  return join(root, 'dist/pipeline');
}

export function saveState(root: string, step: string, value: unknown): void {
  mkdirSync(stateDir(root), { recursive: true });
  writeFileSync(join(stateDir(root), `${step}.json`), `${JSON.stringify(value, null, 2)}\n`);
}

export function loadState<T>(root: string, step: string, producedBy = step): T {
  const file = join(stateDir(root), `${step}.json`);
  if (!existsSync(file)) throw new Error(`${file} is missing: run the "${producedBy}" step first`);
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}
