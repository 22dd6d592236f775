import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { dockerConfigWith, ecrRegion, registryCredentials } from './registry-login';

const ECR = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const token = async () => ({
  authorizationData: [{ authorizationToken: Buffer.from('AWS:secret:with:colons').toString('base64') }],
});

describe('registry login', () => {
  it("reads an ECR host's region, and nothing from another registry", () => {
    expect(ecrRegion(ECR)).toBe('eu-west-1');
    expect(ecrRegion('127.0.0.1:5000')).toBeUndefined();
  });

  it('takes credentials from the environment first, then from ECR with the step role, else none', async () => {
    expect(
      await registryCredentials(ECR, { GANTRY_REGISTRY_USERNAME: 'u', GANTRY_REGISTRY_PASSWORD: 'p' }, token),
    ).toEqual({ username: 'u', password: 'p' });
    expect(await registryCredentials(ECR, {}, token)).toEqual({ username: 'AWS', password: 'secret:with:colons' });
    expect(await registryCredentials('127.0.0.1:5000', {}, token)).toBeUndefined();
    await expect(registryCredentials(ECR, {}, async () => ({ authorizationData: [] }))).rejects.toThrow(
      `ECR GetAuthorizationToken returned no token for ${ECR}`,
    );
  });

  it('writes a docker config readable only by its owner, holding only this registry', () => {
    const dir = dockerConfigWith(ECR, { username: 'AWS', password: 'pw' });
    try {
      const file = join(dir, 'config.json');
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
        auths: { [ECR]: { auth: Buffer.from('AWS:pw').toString('base64') } },
      });
      expect(statSync(file).mode & 0o777).toBe(0o600);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
