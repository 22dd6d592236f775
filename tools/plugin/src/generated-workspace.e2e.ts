// The whole suite on a workspace with one more service, made by the generator: every test that reads the
// catalog must hold for any number of services, and the new service must pass its own checks untouched.
// Run with `npm run test:generator` (after `npm ci`); tasks the change does not touch come from the Nx cache.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { runNx } from '@gantry/process';
import { cloneWorkspace } from '@gantry/process/testing';
import { loadCatalog } from '@gantry/service-catalog';

const source = resolve(__dirname, '../../..');
const NEW_SERVICE = 'generated-check';

test('the whole suite passes with one more service from the generator', { timeout: 30 * 60_000 }, async () => {
  const { root } = cloneWorkspace(source, 'generated');
  const generated = await runNx(root, [
    'g',
    '@gantry/plugin:service',
    NEW_SERVICE,
    '--skipInstall',
    '--no-interactive',
  ]);
  assert.equal(generated.code, 0, generated.lines.join('\n'));
  // The clone's node_modules are the source's, linked; the new package is linked as npm would.
  symlinkSync(join(root, 'apps', NEW_SERVICE), join(root, 'node_modules/@gantry', NEW_SERVICE));
  execFileSync('git', ['add', '-A'], { cwd: root });
  assert.deepEqual(
    loadCatalog(root)
      .map((entry) => entry.name)
      .sort(),
    [...loadCatalog(source).map((entry) => entry.name), NEW_SERVICE].sort(),
  );

  const suite = await runNx(root, ['run-many', '-t', 'lint', 'typecheck', 'test', 'build', '--output-style=static'], {
    onLine: (line) => {
      if (/^> nx run|Successfully ran|Failed tasks|^\s+- /.test(line)) console.log(`  ${line}`);
    },
  });

  assert.equal(suite.code, 0, suite.lines.slice(-80).join('\n'));
  const ran = suite.lines.filter((line) => line.startsWith('> nx run')).join('\n');
  assert.match(ran, new RegExp(`> nx run ${NEW_SERVICE}:test`));
  assert.match(ran, /> nx run infra:test/);
});
