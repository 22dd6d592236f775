import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { runCli } from '@gantry/process';

/** The packages whose install scripts package.json `allowScripts` approves (npm 11's allow-list). */
export function approvedPackages(manifest: { allowScripts?: Record<string, boolean> }): string[] {
  return Object.entries(manifest.allowScripts ?? {})
    .filter(([, allowed]) => allowed === true)
    .map(([name]) => name)
    .sort();
}

// After `npm ci --ignore-scripts` (no dependency runs code at install), run the install scripts of the
// approved packages only: a compromised dependency's postinstall never runs in the build.
if (require.main === module) {
  runCli('rebuild-approved', async () => {
    const root = resolve(__dirname, '../../..');
    const packages = approvedPackages(JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')));
    console.log(`[rebuild-approved] npm rebuild ${packages.join(' ')}`);
    execFileSync('npm', ['rebuild', ...packages], { cwd: root, stdio: 'inherit' });
    return 0;
  });
}
