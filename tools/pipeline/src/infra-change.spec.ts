import { sameRegistryPackages, withoutCatalogEntries } from './infra-change';

describe('withoutCatalogEntries', () => {
  it('leaves out apps/<name>/service.json and keeps everything else', () => {
    expect(
      withoutCatalogEntries([
        'apps/orders/service.json',
        'apps/orders/src/routes.ts',
        'apps/orders/package.json',
        'infra/src/service-stack.ts',
        'apps/hello/nested/service.json',
        'package-lock.json',
      ]),
    ).toEqual([
      'apps/orders/src/routes.ts',
      'apps/orders/package.json',
      'infra/src/service-stack.ts',
      'apps/hello/nested/service.json',
      'package-lock.json',
    ]);
  });
});

describe('sameRegistryPackages', () => {
  const lock = (packages: Record<string, unknown>) => JSON.stringify({ name: 'x', lockfileVersion: 3, packages });
  const base = {
    '': { workspaces: ['apps/*'] },
    'apps/hello': { name: '@gantry/hello', version: '0.1.0' },
    'node_modules/@gantry/hello': { resolved: 'apps/hello', link: true },
    'node_modules/fastify': { version: '5.12.8' },
  };

  it('holds when only a workspace package was added, as the service generator does', () => {
    const after = {
      ...base,
      '': { workspaces: ['apps/*'], more: true },
      'apps/orders': { name: '@gantry/orders', version: '0.1.0' },
      'node_modules/@gantry/orders': { resolved: 'apps/orders', link: true },
    };

    expect(sameRegistryPackages(lock(base), lock(after))).toBe(true);
  });

  it('fails when a registry package moved', () => {
    const after = { ...base, 'node_modules/fastify': { version: '5.12.9' } };

    expect(sameRegistryPackages(lock(base), lock(after))).toBe(false);
  });

  it('fails when a registry package was added', () => {
    const after = { ...base, 'node_modules/left-pad': { version: '1.3.0' } };

    expect(sameRegistryPackages(lock(base), lock(after))).toBe(false);
  });
});
