import { databaseSecretName, taskSecrets } from './database';
import { sampleEntry } from './testing';

describe('taskSecrets', () => {
  it("is the entry's own secrets when it declares no database", () => {
    const entry = sampleEntry('shop', 1, { secrets: { API_KEY: { ssmParameter: '/shop/key' } } });

    expect(taskSecrets(entry, 'prod')).toEqual({ API_KEY: { ssmParameter: '/shop/key' } });
  });

  it('adds each connection variable from its field of the database secret', () => {
    const entry = sampleEntry('shop', 1, {
      secrets: { API_KEY: { ssmParameter: '/shop/key' } },
      database: { engine: 'postgres', name: 'shop', port: 5501, size: 'small' },
    });
    const secretsManager = 'gantry/prod/shop/database';

    expect(databaseSecretName('prod', 'shop')).toBe(secretsManager);
    expect(taskSecrets(entry, 'prod')).toEqual({
      API_KEY: { ssmParameter: '/shop/key' },
      DB_HOST: { secretsManager, field: 'host' },
      DB_PORT: { secretsManager, field: 'port' },
      DB_NAME: { secretsManager, field: 'dbname' },
      DB_USER: { secretsManager, field: 'username' },
      DB_PASSWORD: { secretsManager, field: 'password' },
    });
  });
});
