import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export interface ReleaseTarget {
  /** A remote name or URL: `origin` by default (GANTRY_RELEASE_REMOTE). */
  remote: string;
  /** The branch the release commit lands on: `main` by default (GANTRY_RELEASE_BRANCH). */
  branch: string;
  token?: string;
}

/**
 * Where the release is pushed. The push token is GANTRY_GIT_TOKEN when set (a laptop), else, only when
 * `withToken` (the record step), the Secrets Manager secret named by GANTRY_GIT_TOKEN_SECRET, read at run time
 * with the record role: no other step, and no build-wide variable, ever holds it.
 */
export async function releaseTarget(
  env: NodeJS.ProcessEnv,
  options: { withToken?: boolean; readSecret?: (name: string) => Promise<string | undefined> } = {},
): Promise<ReleaseTarget> {
  const remote = env['GANTRY_RELEASE_REMOTE'] || 'origin';
  const branch = env['GANTRY_RELEASE_BRANCH'] || 'main';
  const secret = env['GANTRY_GIT_TOKEN_SECRET'];
  const readSecret = options.readSecret ?? readSecretString;
  const token = env['GANTRY_GIT_TOKEN'] || (options.withToken && secret ? await readSecret(secret) : undefined);
  if (options.withToken && secret && !token)
    throw new Error(`the Secrets Manager secret ${secret} (GANTRY_GIT_TOKEN_SECRET) holds no token`);
  return { remote, branch, token: token || undefined };
}

async function readSecretString(name: string): Promise<string | undefined> {
  const { SecretString } = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: name }));
  return SecretString?.trim() || undefined;
}
