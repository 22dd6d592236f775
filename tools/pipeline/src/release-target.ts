/** Where the release is pushed: GANTRY_RELEASE_REMOTE (a remote name or URL; `origin` by default) and GANTRY_RELEASE_BRANCH (`main`). */
export function releaseTarget(env: NodeJS.ProcessEnv): { remote: string; branch: string; token?: string } {
  return {
    remote: env['GANTRY_RELEASE_REMOTE'] || 'origin',
    branch: env['GANTRY_RELEASE_BRANCH'] || 'main',
    token: env['GANTRY_GIT_TOKEN'] || undefined,
  };
}
