import { deploymentOf } from './schema';
import { CatalogError } from './catalog-error';
import type { ServiceEntry } from './schema';
import { catalogProblems, entryProblems, parseEntry, validateCatalog } from './validate';
import { sampleEntry } from './testing';

const FILE = 'apps/x/service.json';

function without(raw: ServiceEntry, field: keyof ServiceEntry): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...raw };
  delete copy[field];
  return copy;
}

/** Runs `fn`, expecting a CatalogError, and returns it. */
function catalogErrorFrom(fn: () => unknown): CatalogError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CatalogError);
    return error as CatalogError;
  }
  throw new Error('expected a CatalogError, but nothing was thrown');
}

describe('entryProblems', () => {
  it('finds nothing wrong with a valid entry', () => {
    expect(entryProblems(FILE, sampleEntry('shop', 1))).toEqual([]);
  });

  it('accepts every valid Fargate memory size for a cpu size', () => {
    expect(entryProblems(FILE, sampleEntry('shop', 1, { cpu: 256, memory: 2048 }))).toEqual([]);
    expect(entryProblems(FILE, sampleEntry('shop', 1, { cpu: 512, memory: 3072 }))).toEqual([]);
    expect(entryProblems(FILE, sampleEntry('shop', 1, { cpu: 4096, memory: 30720 }))).toEqual([]);
  });

  it('accepts a deployment block, and fills in blue/green with a 5-minute bake by default', () => {
    const canary = sampleEntry('shop', 1, { deployment: { strategy: 'canary', bakeMinutes: 10 } });

    expect(entryProblems(FILE, canary)).toEqual([]);
    expect(deploymentOf(canary)).toEqual({ strategy: 'canary', bakeMinutes: 10 });
    expect(deploymentOf(sampleEntry('shop', 1))).toEqual({ strategy: 'blue-green', bakeMinutes: 5 });
    expect(deploymentOf(sampleEntry('shop', 1, { deployment: { bakeMinutes: 0 } }))).toEqual({
      strategy: 'blue-green',
      bakeMinutes: 0,
    });
  });

  it('rejects an unknown deployment strategy or a bake time out of range, naming the field', () => {
    expect(entryProblems(FILE, sampleEntry('shop', 1, { deployment: { strategy: 'rolling' } }))).toEqual([
      `${FILE}: field "deployment.strategy" Expected union value (got "rolling")`,
    ]);
    expect(entryProblems(FILE, sampleEntry('shop', 1, { deployment: { bakeMinutes: -1 } }))).toEqual([
      `${FILE}: field "deployment.bakeMinutes" Expected integer to be greater or equal to 0 (got -1)`,
    ]);
  });

  it('refuses a priority over 25000, saying the production rule takes priority + 25000', () => {
    expect(entryProblems(FILE, sampleEntry('shop', 1, { priority: 25_000 }))).toEqual([]);
    expect(entryProblems(FILE, sampleEntry('shop', 1, { priority: 25_001 }))).toEqual([
      `${FILE}: field "priority" 25001 is over 25000: the service's production listener rule takes priority + 25000, and the ALB allows at most 50000`,
    ]);
  });

  it('accepts an ssm parameter and a secrets manager field as secrets', () => {
    const raw = sampleEntry('shop', 1, {
      secrets: { DB_PASSWORD: { ssmParameter: '/shop/db' }, API_KEY: { secretsManager: 'shop/api', field: 'key' } },
    });

    expect(entryProblems(FILE, raw)).toEqual([]);
  });

  it.each<[string, unknown, string]>([
    [
      'a port given as a string',
      sampleEntry('shop', 1, { port: '3101' }),
      `${FILE}: field "port" Expected integer (got "3101")`,
    ],
    [
      'a fractional port',
      sampleEntry('shop', 1, { port: 3101.5 }),
      `${FILE}: field "port" Expected integer (got 3101.5)`,
    ],
    [
      'a privileged port',
      sampleEntry('shop', 1, { port: 80 }),
      `${FILE}: field "port" Expected integer to be greater or equal to 1024 (got 80)`,
    ],
    ['a missing port', without(sampleEntry('shop', 1), 'port'), `${FILE}: field "port" Expected required property`],
    ['a missing name', without(sampleEntry('shop', 1), 'name'), `${FILE}: field "name" Expected required property`],
    [
      'an unknown field',
      sampleEntry('shop', 1, { replicas: 3 }),
      `${FILE}: field "replicas" Unexpected property (got 3)`,
    ],
    [
      'an upper-case prefix',
      sampleEntry('shop', 1, { prefix: '/Shop' }),
      `${FILE}: field "prefix" Expected string to match '^/[a-z][a-z0-9-]*$' (got "/Shop")`,
    ],
    [
      'a prefix with a trailing slash',
      sampleEntry('shop', 1, { prefix: '/shop/' }),
      `${FILE}: field "prefix" Expected string to match '^/[a-z][a-z0-9-]*$' (got "/shop/")`,
    ],
    [
      'a cpu size Fargate does not offer',
      sampleEntry('shop', 1, { cpu: 300 }),
      `${FILE}: field "cpu" Expected union value (got 300)`,
    ],
    [
      'a memory size that is not a multiple of 512',
      sampleEntry('shop', 1, { memory: 1000 }),
      `${FILE}: field "memory" Expected integer to be a multiple of 512 (got 1000)`,
    ],
    [
      'a non-string env value',
      sampleEntry('shop', 1, { env: { LEVEL: 3 } }),
      `${FILE}: field "env.LEVEL" Expected string (got 3)`,
    ],
    [
      'an env name that is not upper snake case',
      sampleEntry('shop', 1, { env: { 'db-url': 'x' } }),
      `${FILE}: field "env.db-url" Unexpected property (got "x")`,
    ],
    [
      'a secret name that is not upper snake case',
      sampleEntry('shop', 1, { secrets: { password: { ssmParameter: '/shop/db' } } }),
      `${FILE}: field "secrets.password" Unexpected property (got {"ssmParameter":"/shop/db"})`,
    ],
    [
      'a relative ssm parameter',
      sampleEntry('shop', 1, { secrets: { DB_PASSWORD: { ssmParameter: 'shop/db' } } }),
      `${FILE}: field "secrets.DB_PASSWORD" Expected union value (got {"ssmParameter":"shop/db"})`,
    ],
    ['an array instead of an object', [], `${FILE}: field "(root)" Expected object (got [])`],
  ])('rejects %s, naming the file and the field', (_, raw, message) => {
    expect(entryProblems(FILE, raw)).toEqual([message]);
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      'too much memory for cpu 256',
      { cpu: 256, memory: 4096 },
      `${FILE}: field "memory" 4096 is not valid with cpu 256; Fargate allows 512, 1024 or 2048`,
    ],
    [
      'too little memory for cpu 1024',
      { cpu: 1024, memory: 1024 },
      `${FILE}: field "memory" 1024 is not valid with cpu 1024; Fargate allows 2048-8192 in steps of 1024`,
    ],
    [
      'a memory size between Fargate steps',
      { cpu: 512, memory: 1536 },
      `${FILE}: field "memory" 1536 is not valid with cpu 512; Fargate allows 1024-4096 in steps of 1024`,
    ],
  ])('rejects %s as a bad Fargate cpu/memory pair', (_, overrides, message) => {
    expect(entryProblems(FILE, sampleEntry('shop', 1, overrides))).toEqual([message]);
  });

  it('rejects minTasks greater than maxTasks', () => {
    expect(entryProblems(FILE, sampleEntry('shop', 1, { minTasks: 5, maxTasks: 2 }))).toEqual([
      `${FILE}: field "minTasks" (5) is greater than "maxTasks" (2)`,
    ]);
  });

  it('rejects a healthPath outside the prefix', () => {
    expect(entryProblems(FILE, sampleEntry('shop', 1, { healthPath: '/other/ready' }))).toEqual([
      `${FILE}: field "healthPath" "/other/ready" must sit under the prefix "/shop/"`,
    ]);
  });

  it('rejects a healthPath that only shares the prefix as a string', () => {
    expect(entryProblems(FILE, sampleEntry('shop', 1, { healthPath: '/shopping/ready' }))).toEqual([
      `${FILE}: field "healthPath" "/shopping/ready" must sit under the prefix "/shop/"`,
    ]);
  });

  it('rejects a metricsPort equal to the port', () => {
    expect(entryProblems(FILE, sampleEntry('shop', 1, { port: 3200, metricsPort: 3200 }))).toEqual([
      `${FILE}: field "metricsPort" must differ from "port" (3200)`,
    ]);
  });

  it('rejects a variable declared both as env and as a secret', () => {
    const raw = sampleEntry('shop', 1, { env: { TOKEN: 'x' }, secrets: { TOKEN: { ssmParameter: '/shop/token' } } });

    expect(entryProblems(FILE, raw)).toEqual([`${FILE}: "TOKEN" is declared in both "env" and "secrets"`]);
  });

  it('accepts a postgres database block', () => {
    const raw = sampleEntry('shop', 1, { database: { engine: 'postgres', name: 'shop', port: 5501, size: 'small' } });

    expect(entryProblems(FILE, raw)).toEqual([]);
  });

  it('rejects a database engine other than postgres and a name postgres would need quoted, naming the fields', () => {
    const raw = sampleEntry('shop', 1, { database: { engine: 'mysql', name: 'Shop-DB', port: 5501, size: 'small' } });

    expect(entryProblems(FILE, raw)).toEqual([
      `${FILE}: field "database.engine" Expected 'postgres' (got "mysql")`,
      `${FILE}: field "database.name" Expected string to match '^[a-z][a-z0-9_]{0,62}$' (got "Shop-DB")`,
    ]);
  });

  it('refuses a connection variable in env or secrets when the database block provides it', () => {
    const raw = sampleEntry('shop', 1, {
      env: { DB_HOST: 'localhost' },
      database: { engine: 'postgres', name: 'shop', port: 5501, size: 'small' },
    });

    expect(entryProblems(FILE, raw)).toEqual([
      `${FILE}: "DB_HOST" comes from the "database" block; remove it from "env" and "secrets"`,
    ]);
  });

  it('reports one message per bad field', () => {
    const raw = sampleEntry('shop', 1, { port: 'x', cpu: 'big', extra: true });

    expect(entryProblems(FILE, raw)).toEqual([
      `${FILE}: field "extra" Unexpected property (got true)`,
      `${FILE}: field "port" Expected integer (got "x")`,
      `${FILE}: field "cpu" Expected union value (got "big")`,
    ]);
  });
});

describe('parseEntry', () => {
  it('returns a valid entry unchanged', () => {
    const raw = sampleEntry('shop', 1);

    expect(parseEntry(FILE, raw)).toBe(raw);
  });

  it('throws a CatalogError that lists every problem in its message', () => {
    const error = catalogErrorFrom(() =>
      parseEntry(FILE, sampleEntry('shop', 1, { minTasks: 5, maxTasks: 2, port: 3200, metricsPort: 3200 })),
    );

    expect(error.name).toBe('CatalogError');
    expect(error.problems).toEqual([
      `${FILE}: field "minTasks" (5) is greater than "maxTasks" (2)`,
      `${FILE}: field "metricsPort" must differ from "port" (3200)`,
    ]);
    expect(error.message).toBe(
      'service catalog is invalid:\n' +
        `  - ${FILE}: field "minTasks" (5) is greater than "maxTasks" (2)\n` +
        `  - ${FILE}: field "metricsPort" must differ from "port" (3200)`,
    );
  });
});

describe('catalogProblems', () => {
  it('finds nothing wrong with services that share nothing', () => {
    expect(catalogProblems([sampleEntry('alpha', 1), sampleEntry('beta', 2)])).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['prefix', { prefix: '/alpha', healthPath: '/alpha/ready' }, 'services "alpha" and "beta" share prefix /alpha'],
    ['priority', { priority: 10 }, 'services "alpha" and "beta" share priority 10'],
    ['port', { port: 3101 }, 'services "alpha" and "beta" both use port 3101 (port)'],
    ['metricsPort', { metricsPort: 9101 }, 'services "alpha" and "beta" both use port 9101 (metricsPort)'],
  ])('reports a duplicate %s naming both services and the field', (_, overrides, message) => {
    expect(catalogProblems([sampleEntry('alpha', 1), sampleEntry('beta', 2, overrides)])).toEqual([message]);
  });

  it("reports one service's metricsPort colliding with another's port", () => {
    expect(catalogProblems([sampleEntry('alpha', 1), sampleEntry('beta', 2, { metricsPort: 3101 })])).toEqual([
      'services "alpha" and "beta" both use port 3101 (metricsPort)',
    ]);
  });

  it("reports one service's database port colliding with another's port", () => {
    const shop = sampleEntry('shop', 1, { database: { engine: 'postgres', name: 'shop', port: 3102, size: 'small' } });

    expect(catalogProblems([shop, sampleEntry('cart', 2)])).toEqual([
      'services "shop" and "cart" both use port 3102 (port)',
    ]);
  });

  it('reports a duplicate name', () => {
    const twin = sampleEntry('alpha', 2, { prefix: '/alpha-two', healthPath: '/alpha-two/ready' });

    expect(catalogProblems([sampleEntry('alpha', 1), twin])).toEqual(['services "alpha" and "alpha" share name alpha']);
  });
});

describe('validateCatalog', () => {
  it('returns the entries sorted by listener priority', () => {
    const sources = [
      { source: 'apps/gamma/service.json', raw: sampleEntry('gamma', 3) },
      { source: 'apps/alpha/service.json', raw: sampleEntry('alpha', 1) },
      { source: 'apps/beta/service.json', raw: sampleEntry('beta', 2) },
    ];

    expect(validateCatalog(sources).map((e) => [e.name, e.priority])).toEqual([
      ['alpha', 10],
      ['beta', 20],
      ['gamma', 30],
    ]);
  });

  it('reports the problems of every file at once, each naming its file', () => {
    const error = catalogErrorFrom(() =>
      validateCatalog([
        { source: 'apps/alpha/service.json', raw: sampleEntry('alpha', 1, { port: 'x' }) },
        { source: 'apps/beta/service.json', raw: sampleEntry('beta', 2, { minTasks: 3, maxTasks: 1 }) },
      ]),
    );

    expect(error.problems).toEqual([
      'apps/alpha/service.json: field "port" Expected integer (got "x")',
      'apps/beta/service.json: field "minTasks" (3) is greater than "maxTasks" (1)',
    ]);
  });

  it('reports clashes between services once every entry is valid on its own', () => {
    const error = catalogErrorFrom(() =>
      validateCatalog([
        { source: 'apps/alpha/service.json', raw: sampleEntry('alpha', 1) },
        { source: 'apps/beta/service.json', raw: sampleEntry('beta', 2, { priority: 10, port: 3101 }) },
      ]),
    );

    expect(error.problems).toEqual([
      'services "alpha" and "beta" share priority 10',
      'services "alpha" and "beta" both use port 3101 (port)',
    ]);
  });
});
