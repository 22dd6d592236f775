import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

// Lints source text as if it sat in a real project, through the real ESLint CLI, the repo's config
// and the Nx project graph. (A CLI child, because ESLint loads its ESM config by dynamic import.)
const root = resolve(__dirname, '../../..');
const eslintBin = resolve(root, 'node_modules/eslint/bin/eslint.js');

async function boundaryErrors(file: string, code: string): Promise<string[]> {
  const result = spawnSync(process.execPath, [eslintBin, '--stdin', '--stdin-filename', file, '--format', 'json'], {
    cwd: root,
    input: code,
    encoding: 'utf8',
    env: { ...process.env, NX_DAEMON: 'false' },
  });
  const [report] = JSON.parse(result.stdout) as Array<{ messages: Array<{ ruleId: string; message: string }> }>;
  return report.messages
    .filter((message) => message.ruleId === '@nx/enforce-module-boundaries')
    .map((message) => message.message);
}

describe('module boundaries', () => {
  jest.setTimeout(60_000);

  it('let a service use the shared libs', async () => {
    const errors = await boundaryErrors(
      'apps/pricing/src/probe.ts',
      "import { runService } from '@gantry/service-kit';\nexport const run = runService;\n",
    );

    expect(errors).toEqual([]);
  });

  it('stop a service from importing another service', async () => {
    const errors = await boundaryErrors(
      'apps/pricing/src/probe.ts',
      "import { hello } from '@gantry/hello';\nexport const h = hello;\n",
    );

    expect(errors).toEqual(['Imports of apps are forbidden']);
  });

  it('stop a service from reaching into another service by relative path', async () => {
    const errors = await boundaryErrors(
      'apps/pricing/src/probe.ts',
      "import { catalog } from '../../catalog/src/service';\nexport const c = catalog;\n",
    );

    expect(errors).toEqual([expect.stringMatching(/Projects cannot be imported by a relative or absolute path/)]);
  });

  it('stop a lib from importing an app', async () => {
    // catalog-contract, because hello already depends on service-kit and that would be a cycle first.
    const errors = await boundaryErrors(
      'libs/catalog-contract/src/probe.ts',
      "import { hello } from '@gantry/hello';\nexport const h = hello;\n",
    );

    expect(errors).toEqual(['Imports of apps are forbidden']);
  });

  it('stop a lib from importing a tool', async () => {
    // catalog-contract, because local-platform depends on service-kit (through database): a cycle first.
    const errors = await boundaryErrors(
      'libs/catalog-contract/src/probe.ts',
      "import { startPlatform } from '@gantry/local-platform';\nexport const s = startPlatform;\n",
    );

    expect(errors).toEqual([
      expect.stringMatching(/tagged with "type:lib" can only depend on libs tagged with "type:lib"/),
    ]);
  });
});
