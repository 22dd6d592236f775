import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CatalogError } from './catalog-error';
import { loadCatalog } from './load';
import { sampleEntry } from './testing';

function without(raw: Record<string, unknown>, field: string): Record<string, unknown> {
  const copy = { ...raw };
  delete copy[field];
  return copy;
}

describe('loadCatalog', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'service-catalog-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  /** Writes apps/<folder>/service.json: objects as JSON, strings verbatim. */
  function writeService(folder: string, content: Record<string, unknown> | string): void {
    mkdirSync(join(root, 'apps', folder), { recursive: true });
    const text = typeof content === 'string' ? content : JSON.stringify(content, null, 2);
    writeFileSync(join(root, 'apps', folder, 'service.json'), text);
  }

  function loadError(): CatalogError {
    try {
      loadCatalog(root);
    } catch (error) {
      expect(error).toBeInstanceOf(CatalogError);
      return error as CatalogError;
    }
    throw new Error('expected loadCatalog to throw a CatalogError');
  }

  it('loads a valid catalog sorted by priority rather than by folder', () => {
    writeService('alpha', sampleEntry('alpha', 3));
    writeService('beta', sampleEntry('beta', 1));
    writeService('gamma', sampleEntry('gamma', 2, { env: { BETA_URL: '${service:beta}' } }));

    const entries = loadCatalog(root);

    expect(entries.map((e) => [e.name, e.priority])).toEqual([
      ['beta', 10],
      ['gamma', 20],
      ['alpha', 30],
    ]);
    expect(entries[0]).toEqual(sampleEntry('beta', 1));
  });

  it('ignores folders under apps/ without a service.json', () => {
    writeService('alpha', sampleEntry('alpha', 1));
    mkdirSync(join(root, 'apps', 'scratch'));
    writeFileSync(join(root, 'apps', 'README.md'), 'not a service');

    expect(loadCatalog(root).map((e) => e.name)).toEqual(['alpha']);
  });

  it('rejects a workspace without an apps/ folder', () => {
    expect(loadError().problems).toEqual([`no apps/ folder under ${root}`]);
  });

  it('rejects a workspace whose apps/ folder holds no service.json', () => {
    mkdirSync(join(root, 'apps', 'empty'), { recursive: true });

    expect(loadError().problems).toEqual([`no apps/*/service.json found under ${root}`]);
  });

  it('rejects invalid JSON, naming the file', () => {
    writeService('alpha', sampleEntry('alpha', 1));
    writeService('broken', '{ "name": "broken", ');

    const { problems } = loadError();

    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^apps\/broken\/service\.json: not valid JSON \(.+\)$/);
  });

  it('rejects a name that does not match its folder, naming the file and the field', () => {
    writeService('alpha', sampleEntry('beta', 1));

    expect(loadError().problems).toEqual([
      'apps/alpha/service.json: field "name" is "beta" but the folder is "alpha"; they must match',
    ]);
  });

  it('reports a missing name as a missing field, not as a folder mismatch', () => {
    writeService('alpha', without(sampleEntry('alpha', 1), 'name'));

    expect(loadError().problems).toEqual(['apps/alpha/service.json: field "name" Expected required property']);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a wrong type', { port: '3101' }, 'field "port" Expected integer (got "3101")'],
    ['an unknown field', { replicas: 2 }, 'field "replicas" Unexpected property (got 2)'],
    [
      'a bad Fargate cpu/memory pair',
      { cpu: 1024, memory: 512 },
      'field "memory" 512 is not valid with cpu 1024; Fargate allows 2048-8192 in steps of 1024',
    ],
    ['minTasks above maxTasks', { minTasks: 4, maxTasks: 3 }, 'field "minTasks" (4) is greater than "maxTasks" (3)'],
    [
      'a healthPath outside the prefix',
      { healthPath: '/health' },
      'field "healthPath" "/health" must sit under the prefix "/alpha/"',
    ],
  ])('rejects a file with %s, naming the file and the field', (_, overrides, message) => {
    writeService('alpha', sampleEntry('alpha', 1, overrides));

    expect(loadError().problems).toEqual([`apps/alpha/service.json: ${message}`]);
  });

  it('rejects a file with a missing field, naming the file and the field', () => {
    writeService('alpha', without(sampleEntry('alpha', 1), 'maxTasks'));

    expect(loadError().problems).toEqual(['apps/alpha/service.json: field "maxTasks" Expected required property']);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['prefix', { prefix: '/alpha', healthPath: '/alpha/live' }, 'services "alpha" and "beta" share prefix /alpha'],
    ['port', { port: 3101 }, 'services "alpha" and "beta" both use port 3101 (port)'],
    ['metricsPort', { metricsPort: 9101 }, 'services "alpha" and "beta" both use port 9101 (metricsPort)'],
    ['priority', { priority: 10 }, 'services "alpha" and "beta" share priority 10'],
  ])('rejects two services with the same %s, naming both and the field', (_, overrides, message) => {
    writeService('alpha', sampleEntry('alpha', 1));
    writeService('beta', sampleEntry('beta', 2, overrides));

    const error = loadError();

    expect(error.problems).toEqual([message]);
    expect(error.message).toBe(`service catalog is invalid:\n  - ${message}`);
  });

  it('rejects an env reference to a service that is not in the catalog', () => {
    writeService('alpha', sampleEntry('alpha', 1, { env: { BILLING_URL: '${service:billing}' } }));

    expect(loadError().problems).toEqual(['service "alpha": env "BILLING_URL" refers to unknown service "billing"']);
  });
});

describe('the repository catalog', () => {
  it('declares hello, catalog and pricing with their ports, in priority order', () => {
    const entries = loadCatalog(resolve(__dirname, '../../..'));
    const byName = new Map(entries.map((e) => [e.name, e]));

    expect(byName.get('hello')).toMatchObject({ prefix: '/hello', port: 3001, metricsPort: 9101, priority: 10 });
    expect(byName.get('catalog')).toMatchObject({ prefix: '/catalog', port: 3002, metricsPort: 9102, priority: 20 });
    expect(byName.get('pricing')).toMatchObject({
      prefix: '/pricing',
      port: 3003,
      metricsPort: 9103,
      priority: 30,
      env: { CATALOG_URL: '${service:catalog}' },
    });
    const priorities = entries.map((e) => e.priority);
    expect(priorities).toEqual([...priorities].sort((a, b) => a - b));
  });
});
