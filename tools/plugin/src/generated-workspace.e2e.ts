// The whole suite on a workspace with one more service, made by the generator: every test that reads the
// catalog must hold for any number of services, and the new service must pass its own checks untouched.
// Run with `npm run test:generator` (after `npm ci`). The clone has its own, empty Nx cache: Nx 23 shares
// one local cache between checkouts of a repository, which would let a run on the same machine replay this one.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { runNx } from '@gantry/process';
import { cloneWorkspace, generateService } from '@gantry/process/testing';
import { loadCatalog } from '@gantry/service-catalog';

const source = resolve(__dirname, '../../..');
const NEW_SERVICE = 'generated-check';

test('the whole suite passes with one more service from the generator', { timeout: 30 * 60_000 }, async () => {
  const { root } = cloneWorkspace(source, 'generated');
  await generateService(root, NEW_SERVICE);
  execFileSync('git', ['add', '-A'], { cwd: root });
  assert.deepEqual(
    loadCatalog(root)
      .map((entry) => entry.name)
      .sort(),
    [...loadCatalog(source).map((entry) => entry.name), NEW_SERVICE].sort(),
  );

  const suite = await runNx(root, ['run-many', '-t', 'lint', 'typecheck', 'test', 'build', '--output-style=static'], {
    env: { ...process.env, NX_CACHE_DIRECTORY: join(root, '.nx/cache') },
    onLine: (line) => {
      if (/^> nx run|Successfully ran|Failed tasks|^\s+- /.test(line)) console.log(`  ${line}`);
    },
  });

  assert.equal(suite.code, 0, failedTaskOutput(suite.lines));
  const ran = suite.lines.filter((line) => line.startsWith('> nx run'));
  for (const task of [`${NEW_SERVICE}:test`, `${NEW_SERVICE}:build`, 'infra:test', '@gantry/workspace:test']) {
    const line = ran.find((entry) => entry.startsWith(`> nx run ${task}`));
    assert.ok(line, `${task} did not run`);
    assert.doesNotMatch(line, /cache/, `${task} came from a cache instead of running`);
  }
});

/** The output of each task Nx lists as failed: the block from its `> nx run <task>` line to the next task's. */
function failedTaskOutput(lines: readonly string[]): string {
  const listed = lines.slice(lines.findIndex((line) => line.includes('Failed tasks:')));
  const failed = listed.map((line) => /^\s*- (\S+)$/.exec(line)?.[1]).filter((task): task is string => !!task);
  const blocks = failed.map((task) => {
    const start = lines.findIndex((line) => line.startsWith(`> nx run ${task}`));
    const end = lines.findIndex((line, index) => index > start && line.startsWith('> nx run '));
    return start === -1 ? `${task}: no output` : lines.slice(start, end === -1 ? undefined : end).join('\n');
  });
  return blocks.length > 0 ? blocks.join('\n\n') : lines.slice(-80).join('\n');
}
