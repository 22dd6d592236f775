import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RegistryAuth } from '@gantry/images';

/** `<account>.dkr.ecr.<region>.amazonaws.com`: its region, or undefined for any other registry. */
export function ecrRegion(host: string): string | undefined {
  return /^\d{12}\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/.exec(host)?.[1];
}

/**
 * The registry's credentials: GANTRY_REGISTRY_USERNAME/PASSWORD when set, else for ECR a token from
 * GetAuthorizationToken with the step's own role (so only the steps whose role may pull or push hold one,
 * and never before the checks ran), else none (a local registry).
 */
export async function registryCredentials(
  host: string,
  env: NodeJS.ProcessEnv,
  getToken: (region: string) => Promise<{ authorizationData?: Array<{ authorizationToken?: string }> }> = (region) =>
    new ECRClient({ region }).send(new GetAuthorizationTokenCommand({})),
): Promise<RegistryAuth | undefined> {
  const [username, password] = [env['GANTRY_REGISTRY_USERNAME'], env['GANTRY_REGISTRY_PASSWORD']];
  if (username && password) return { username, password };
  const region = ecrRegion(host);
  if (!region) return undefined;
  const token = (await getToken(region)).authorizationData?.[0]?.authorizationToken;
  if (!token) throw new Error(`ECR GetAuthorizationToken returned no token for ${host}`);
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const split = decoded.indexOf(':');
  return { username: decoded.slice(0, split), password: decoded.slice(split + 1) };
}

/** A docker config folder that holds only these credentials, for `docker push` without `docker login`. */
export function dockerConfigWith(host: string, auth: RegistryAuth): string {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-docker-config-'));
  mkdirSync(dir, { recursive: true });
  const encoded = Buffer.from(`${auth.username}:${auth.password}`).toString('base64');
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { [host]: { auth: encoded } } }), { mode: 0o600 });
  return dir;
}
