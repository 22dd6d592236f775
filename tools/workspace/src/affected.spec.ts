import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { loadCatalog } from '@gantry/service-catalog';

// Asks the real Nx CLI which projects a change touches, as the pipeline will.
const root = resolve(__dirname, '../../..');

function affectedBy(file: string, withTarget = 'build'): string[] {
  const out = execFileSync(
    process.execPath,
    [
      resolve(root, 'node_modules/nx/dist/bin/nx.js'),
      'show',
      'projects',
      '--affected',
      `--files=${file}`,
      `--withTarget=${withTarget}`,
      '--json',
    ],
    { cwd: root, encoding: 'utf8', env: { ...process.env, NX_DAEMON: 'false' } },
  );
  return (JSON.parse(out) as string[]).sort();
}

describe('what a change affects', () => {
  jest.setTimeout(60_000);

  it('marks exactly catalog, pricing and orders when the catalog contract changes', () => {
    expect(affectedBy('libs/catalog-contract/src/product.ts')).toEqual(['catalog', 'orders', 'pricing']);
  });

  it('marks only hello when hello changes', () => {
    expect(affectedBy('apps/hello/src/routes.ts')).toEqual(['hello']);
  });

  it('marks every service in the catalog when the service kit changes', () => {
    const services = loadCatalog(root).map((entry) => entry.name);

    expect(affectedBy('libs/service-kit/src/errors.ts')).toEqual(services.sort());
  });

  it("marks every tool that reads the catalog, as well as the service, when a service's catalog entry changes", () => {
    // They declare apps/*/service.json as an input (nx.json's "catalog"), so a new service runs their tests too.
    expect(affectedBy('apps/hello/service.json', 'test')).toEqual(
      [
        'hello',
        'infra',
        '@gantry/bench',
        '@gantry/images',
        '@gantry/local-platform',
        '@gantry/pipeline',
        '@gantry/release',
        '@gantry/resilience',
        '@gantry/workspace',
      ].sort(),
    );
  });

  it('marks no service image when only docs change', () => {
    expect(affectedBy('README.md', 'docker:build')).toEqual([]);
  });
});
