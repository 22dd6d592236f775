import { CatalogError } from './catalog-error';
import { resolveEnv, serviceReferences } from './env-refs';
import type { ServiceEntry } from './schema';
import { catalogProblems, validateCatalog } from './validate';
import { sampleEntry } from './testing';

function entry(name: string, n: number, env: Record<string, string> = {}): ServiceEntry {
  return sampleEntry(name, n, { env });
}

const baseUrl = (service: string) => `http://127.0.0.1:${{ catalog: 3002, pricing: 3003 }[service] ?? 0}`;

describe('serviceReferences', () => {
  it('lists every variable and the service it refers to', () => {
    const pricing = entry('pricing', 3, {
      CATALOG_URL: '${service:catalog}',
      LINKS: '${service:catalog}/products,${service:hello}/greet',
      LOG_FORMAT: 'json',
    });

    expect(serviceReferences(pricing)).toEqual([
      ['CATALOG_URL', 'catalog'],
      ['LINKS', 'catalog'],
      ['LINKS', 'hello'],
    ]);
  });

  it('finds no references in plain values or other placeholders', () => {
    expect(serviceReferences(entry('pricing', 3, { A: 'http://x', B: '${HOME}', C: '$service:catalog' }))).toEqual([]);
  });

  it('gives the same answer when called twice on the same entry', () => {
    const pricing = entry('pricing', 3, { CATALOG_URL: '${service:catalog}' });

    expect(serviceReferences(pricing)).toEqual(serviceReferences(pricing));
  });
});

describe('resolveEnv', () => {
  it('substitutes the base URL of each referenced service', () => {
    const pricing = entry('pricing', 3, { CATALOG_URL: '${service:catalog}', MODE: 'strict' });

    expect(resolveEnv(pricing, baseUrl)).toEqual({ CATALOG_URL: 'http://127.0.0.1:3002', MODE: 'strict' });
  });

  it('substitutes every reference inside one value', () => {
    const hello = entry('hello', 1, { UPSTREAMS: '${service:catalog}/a ${service:pricing}/b ${service:catalog}/c' });

    expect(resolveEnv(hello, baseUrl)).toEqual({
      UPSTREAMS: 'http://127.0.0.1:3002/a http://127.0.0.1:3003/b http://127.0.0.1:3002/c',
    });
  });

  it('leaves the entry itself unchanged', () => {
    const pricing = entry('pricing', 3, { CATALOG_URL: '${service:catalog}' });

    resolveEnv(pricing, baseUrl);

    expect(pricing.env).toEqual({ CATALOG_URL: '${service:catalog}' });
  });

  it('returns an empty env for an entry without variables', () => {
    expect(resolveEnv(entry('hello', 1), baseUrl)).toEqual({});
  });
});

describe('service references across the catalog', () => {
  it('accepts a reference to a service in the catalog', () => {
    expect(catalogProblems([entry('catalog', 2), entry('pricing', 3, { CATALOG_URL: '${service:catalog}' })])).toEqual(
      [],
    );
  });

  it('rejects a reference to an unknown service, naming the service, the variable and the target', () => {
    const sources = [
      { source: 'apps/catalog/service.json', raw: entry('catalog', 2) },
      { source: 'apps/pricing/service.json', raw: entry('pricing', 3, { CATALOG_URL: '${service:catalogue}' }) },
    ];

    expect(() => validateCatalog(sources)).toThrow(CatalogError);
    expect(() => validateCatalog(sources)).toThrow(
      'service catalog is invalid:\n  - service "pricing": env "CATALOG_URL" refers to unknown service "catalogue"',
    );
  });

  it('reports each unknown reference separately', () => {
    expect(catalogProblems([entry('hello', 1, { A: '${service:billing}', B: '${service:search}' })])).toEqual([
      'service "hello": env "A" refers to unknown service "billing"',
      'service "hello": env "B" refers to unknown service "search"',
    ]);
  });
});
