import { readJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { parseEntry } from '@gantry/service-catalog';
import { serviceGenerator, ServiceGeneratorError } from './generator';

/** A workspace holding the given services' catalog entries and package.json files, as apps/<name>/ does. */
function workspaceWith(
  ...services: Array<{ name: string; port: number; metricsPort: number; priority: number }>
): Tree {
  const tree = createTreeWithEmptyWorkspace();
  tree.write('tsconfig.json', JSON.stringify({ files: [], references: [{ path: './libs/service-kit' }] }));
  for (const service of services) {
    tree.write(
      `apps/${service.name}/service.json`,
      JSON.stringify({
        ...service,
        prefix: `/${service.name}`,
        healthPath: `/${service.name}/ready`,
        cpu: 256,
        memory: 512,
        minTasks: 1,
        maxTasks: 4,
        env: {},
        secrets: {},
      }),
    );
    tree.write(
      `apps/${service.name}/package.json`,
      JSON.stringify({ name: `@gantry/${service.name}`, version: '1.0.0', nx: { name: service.name } }),
    );
  }
  return tree;
}

const threeServices = () =>
  workspaceWith(
    { name: 'hello', port: 3001, metricsPort: 9101, priority: 10 },
    { name: 'catalog', port: 3002, metricsPort: 9102, priority: 20 },
    { name: 'pricing', port: 3003, metricsPort: 9103, priority: 30 },
  );

const generate = (tree: Tree, options: Record<string, unknown>) =>
  serviceGenerator(tree, { skipInstall: true, ...(options as { name: string }) });

describe('the service generator', () => {
  it('writes a catalog entry with the next free port, metrics port and priority, which the catalog accepts', async () => {
    const tree = threeServices();

    await generate(tree, { name: 'orders' });

    const entry = readJson(tree, 'apps/orders/service.json');
    expect(entry).toEqual({
      name: 'orders',
      prefix: '/orders',
      port: 3004,
      metricsPort: 9104,
      healthPath: '/orders/ready',
      cpu: 256,
      memory: 512,
      minTasks: 1,
      maxTasks: 4,
      priority: 40,
      env: {},
      secrets: {},
    });
    expect(() => parseEntry('apps/orders/service.json', entry)).not.toThrow();
  });

  it('writes a package at 0.1.0 named after the service, tagged as a service, with its Nx name', async () => {
    const tree = threeServices();

    await generate(tree, { name: 'order-history' });

    expect(readJson(tree, 'apps/order-history/package.json')).toMatchObject({
      name: '@gantry/order-history',
      version: '0.1.0',
      nx: { name: 'order-history', tags: ['type:service', 'scope:order-history'], targets: { build: {} } },
    });
  });

  it('writes the routes, their spec, the entry point and the configs, with names made for TypeScript', async () => {
    const tree = threeServices();

    await generate(tree, { name: 'order-history' });

    for (const file of [
      'src/main.ts',
      'src/service.ts',
      'src/routes.ts',
      'src/routes.spec.ts',
      'tsconfig.json',
      'tsconfig.app.json',
      'tsconfig.spec.json',
      'jest.config.cjs',
      'eslint.config.mjs',
    ]) {
      expect(tree.exists(`apps/order-history/${file}`)).toBe(true);
    }
    const service = tree.read('apps/order-history/src/service.ts', 'utf8');
    expect(service).toContain('export const orderHistory: ServiceDefinition');
    expect(service).toContain("parseEntry('apps/order-history/service.json', entry)");
    expect(tree.read('apps/order-history/src/routes.spec.ts', 'utf8')).toContain("url: '/order-history'");
    // No Dockerfile of its own: every service builds from tools/images/service.Dockerfile.
    expect(tree.children('apps/order-history').filter((file) => /dockerfile/i.test(file))).toEqual([]);
  });

  it('adds the new project to the root tsconfig references, as nx sync would', async () => {
    const tree = threeServices();

    await generate(tree, { name: 'orders' });

    expect(readJson(tree, 'tsconfig.json').references).toEqual([
      { path: './libs/service-kit' },
      { path: './apps/orders' },
    ]);
  });

  it('takes the prefix, CPU, memory and task counts it is given', async () => {
    const tree = threeServices();

    await generate(tree, { name: 'reports', prefix: '/reporting', cpu: 512, memory: 2048, minTasks: 2, maxTasks: 6 });

    expect(readJson(tree, 'apps/reports/service.json')).toMatchObject({
      prefix: '/reporting',
      healthPath: '/reporting/ready',
      cpu: 512,
      memory: 2048,
      minTasks: 2,
      maxTasks: 6,
    });
  });

  it('starts the numbering in an empty catalog', async () => {
    const tree = workspaceWith();

    await generate(tree, { name: 'first' });

    expect(readJson(tree, 'apps/first/service.json')).toMatchObject({ port: 3001, metricsPort: 9101, priority: 10 });
  });

  describe('refuses, writing nothing,', () => {
    it.each([
      ['_gantry', 'is not a valid service name'],
      ['Orders', 'is not a valid service name'],
      ['../orders', 'is not a valid service name'],
      ['orders/v2', 'is not a valid service name'],
      ['o', 'is not a valid service name'],
      ['hello', 'apps/hello already exists'],
    ])('the name %j', async (name, message) => {
      const tree = threeServices();
      const before = tree.listChanges().length;

      await expect(generate(tree, { name })).rejects.toThrow(ServiceGeneratorError);
      await expect(generate(tree, { name })).rejects.toThrow(message);
      expect(tree.listChanges()).toHaveLength(before);
    });

    it('a name an Nx project outside apps/ already has', async () => {
      const tree = threeServices();
      tree.write('tools/release/package.json', JSON.stringify({ name: 'release', nx: { name: 'release' } }));

      await expect(generate(tree, { name: 'release' })).rejects.toThrow(
        'an Nx project called "release" already exists (tools/release)',
      );
      expect(tree.exists('apps/release')).toBe(false);
    });

    it('a prefix another service routes on', async () => {
      const tree = threeServices();

      await expect(generate(tree, { name: 'greeter', prefix: '/hello' })).rejects.toThrow(
        'services "hello" and "greeter" share prefix /hello',
      );
      expect(tree.exists('apps/greeter')).toBe(false);
    });

    it("sizes Fargate does not offer, with the catalog's own message", async () => {
      const tree = threeServices();

      await expect(generate(tree, { name: 'big', cpu: 256, memory: 4096 })).rejects.toThrow(
        'the new service would break the catalog',
      );
      expect(tree.exists('apps/big')).toBe(false);
    });

    it('a catalog that is already broken, saying to fix it first', async () => {
      const tree = threeServices();
      tree.write('apps/catalog/service.json', JSON.stringify({ name: 'catalog' }));

      await expect(generate(tree, { name: 'orders' })).rejects.toThrow(
        'the catalog is broken before adding a service; fix it first',
      );
      expect(tree.exists('apps/orders')).toBe(false);
    });
  });
});
