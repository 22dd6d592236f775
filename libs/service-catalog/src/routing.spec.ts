import {
  listenerPriorities,
  matchesPattern,
  NOT_FOUND_BODY,
  pathPatterns,
  PRODUCTION_PRIORITY_OFFSET,
  routeFor,
} from './routing';

describe('pathPatterns', () => {
  it('gives the bare prefix and everything below it', () => {
    expect(pathPatterns({ prefix: '/hello' })).toEqual(['/hello', '/hello/*']);
  });
});

describe('listenerPriorities', () => {
  it('puts the test rule at the catalog priority and the production rule 25000 above it', () => {
    expect(listenerPriorities({ priority: 30 })).toEqual({ test: 30, production: 25_030 });
    expect(listenerPriorities({ priority: PRODUCTION_PRIORITY_OFFSET })).toEqual({ test: 25_000, production: 50_000 });
  });

  it('orders every test rule before every production rule, and never gives two rules one priority', () => {
    // GIVEN the lowest, a middling and the highest catalog priority
    const priorities = [1, 2, 30, 12_345, PRODUCTION_PRIORITY_OFFSET].map((priority) =>
      listenerPriorities({ priority }),
    );

    // THEN all ten rules are distinct, and the highest test rule comes before the lowest production rule
    const all = priorities.flatMap(({ test, production }) => [test, production]);
    expect(new Set(all).size).toBe(all.length);
    expect(Math.max(...priorities.map((p) => p.test))).toBeLessThan(Math.min(...priorities.map((p) => p.production)));
    expect(Math.max(...all)).toBeLessThanOrEqual(50_000);
  });
});

describe('matchesPattern', () => {
  it.each([
    ['/hello', '/hello'],
    ['/hello/*', '/hello/'],
    ['/hello/*', '/hello/greet'],
    ['/hello/*', '/hello/a/b/c'],
    ['/hello/?', '/hello/x'],
    ['/api/*/items', '/api/v1/items'],
    ['/v1.0', '/v1.0'],
  ])('matches pattern %s against path %s', (pattern, path) => {
    expect(matchesPattern(pattern, path)).toBe(true);
  });

  it.each([
    ['/hello', '/hello/', 'a bare prefix does not take a trailing slash'],
    ['/hello', '/Hello', 'matching is case-sensitive'],
    ['/hello/*', '/HELLO/greet', 'matching is case-sensitive below the prefix too'],
    ['/hello/*', '/hello', 'the wildcard rule needs the slash'],
    ['/hello', '/helloworld', 'a bare prefix is exact'],
    ['/hello/*', '/helloworld', 'the wildcard rule does not extend the last segment'],
    ['/hello', '/x/hello', 'patterns are anchored at the start'],
    ['/hello', '/hello/x', 'patterns are anchored at the end'],
    ['/hello/?', '/hello/xy', '? is exactly one character'],
    ['/hello/?', '/hello/', '? is not zero characters'],
    ['/v1.0', '/v1x0', 'a dot is literal, not any character'],
    ['/a+b', '/aab', 'a plus is literal, not a repetition'],
  ])('does not match pattern %s against path %s (%s)', (pattern, path) => {
    expect(matchesPattern(pattern, path)).toBe(false);
  });
});

describe('routeFor', () => {
  const hello = { name: 'hello', prefix: '/hello', priority: 10 };
  const catalog = { name: 'catalog', prefix: '/catalog', priority: 20 };
  const pricing = { name: 'pricing', prefix: '/pricing', priority: 30 };
  const entries = [pricing, hello, catalog];

  it.each([
    ['/hello', 'hello'],
    ['/hello/', 'hello'],
    ['/hello/greet', 'hello'],
    ['/catalog/products/sku-001', 'catalog'],
    ['/pricing/quotes', 'pricing'],
  ])('routes %s to %s', (url, name) => {
    expect(routeFor(entries, url)?.name).toBe(name);
  });

  it('ignores the query string', () => {
    expect(routeFor(entries, '/hello?name=Ada')?.name).toBe('hello');
    expect(routeFor(entries, '/catalog/products?q=/pricing/x')?.name).toBe('catalog');
  });

  it('does not treat a query string as part of the path', () => {
    expect(routeFor(entries, '/nowhere?next=/hello')).toBeUndefined();
  });

  it.each(['/', '/helloworld', '/Hello', '/catalogue', '/HELLO/greet', '/x/hello'])(
    'leaves %s to the default 404',
    (url) => {
      expect(routeFor(entries, url)).toBeUndefined();
    },
  );

  it('gives a path two rules could match to the lower priority number, whatever the list order', () => {
    const api = { name: 'api', prefix: '/api', priority: 20 };
    const apiV2 = { name: 'api-v2', prefix: '/api/v2', priority: 10 };

    expect(routeFor([api, apiV2], '/api/v2/items')?.name).toBe('api-v2');
    expect(routeFor([apiV2, { ...api, priority: 5 }], '/api/v2/items')?.name).toBe('api');
    expect(routeFor([api, apiV2], '/api/v1/items')?.name).toBe('api');
  });

  it('does not reorder the entries it is given', () => {
    routeFor(entries, '/hello');

    expect(entries.map((e) => e.name)).toEqual(['pricing', 'hello', 'catalog']);
  });
});

describe('NOT_FOUND_BODY', () => {
  it('is the JSON error shape every service uses', () => {
    expect(JSON.parse(NOT_FOUND_BODY)).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'No service is routed at this path',
    });
  });
});
