import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localLayout, readLocalState, routesOf, writeLocalState, type LocalService } from './state';

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
});
