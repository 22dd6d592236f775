import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localLayout, readLocalState, routesOf, updateService, writeLocalState, type LocalService } from './state';

const hello: LocalService = {
  version: '0.2.0',
  digest: 'sha256:abc',
  image: '127.0.0.1:5000/gantry/hello@sha256:abc',
  container: 'gantry-local-hello-4100',
  url: 'http://127.0.0.1:4100',
  prefix: '/hello',
  priority: 10,
};

describe('the local environment state', () => {
  it('puts its gateway on 8090 by default and names a bad GANTRY_LOCAL_ALB_PORT', () => {
    expect(localLayout('/repo/.gantry', {})).toMatchObject({
      dir: '/repo/.gantry/local-env',
      url: 'http://127.0.0.1:8090',
    });
    expect(localLayout('/s', { GANTRY_LOCAL_ALB_PORT: '9000' }).port).toBe(9000);
    expect(() => localLayout('/s', { GANTRY_LOCAL_ALB_PORT: 'x' })).toThrow(
      'GANTRY_LOCAL_ALB_PORT must be a port number from 1 to 65535 (got "x")',
    );
  });

  it('routes each running service by its prefix and priority, and starts empty', () => {
    const dir = mkdtempSync(join(tmpdir(), 'local-state-'));
    try {
      const file = join(dir, 'state.json');
      expect(readLocalState(file)).toEqual({ services: {} });

      writeLocalState(file, { services: { hello } });

      expect(routesOf(readLocalState(file))).toEqual([
        { name: 'hello', prefix: '/hello', priority: 10, url: 'http://127.0.0.1:4100' },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sends only test traffic to the new version of a service mid-deploy, and changes one service at a time', () => {
    const dir = mkdtempSync(join(tmpdir(), 'local-state-'));
    try {
      const file = join(dir, 'state.json');
      const catalog = { ...hello, prefix: '/catalog', priority: 20, url: 'http://127.0.0.1:4200' };
      writeLocalState(file, { services: { hello, catalog } });
      const next = { version: '0.3.0', digest: 'sha256:def', image: 'i', container: 'c', url: 'http://127.0.0.1:4101' };

      updateService(file, 'hello', (current) => current && { ...current, next });

      expect(routesOf(readLocalState(file))).toEqual([
        { name: 'catalog', prefix: '/catalog', priority: 20, url: 'http://127.0.0.1:4200' },
        {
          name: 'hello',
          prefix: '/hello',
          priority: 10,
          url: 'http://127.0.0.1:4100',
          testUrl: 'http://127.0.0.1:4101',
        },
      ]);
      updateService(file, 'hello', () => undefined);
      expect(Object.keys(readLocalState(file).services)).toEqual(['catalog']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
