// Every name derived from a service or an environment, defined once. The CDK app creates these things,
// the pipeline writes and reads them, the local platform and the tests run them: all call these functions,
// so no two tools can spell a name differently.

/** The ECR repository prefix the Pipeline stack creates and the images step pushes to. */
export const DEFAULT_REPOSITORY_PREFIX = 'gantry';

/** A service's folder, relative to the workspace root. */
export function serviceFolder(service: string): string {
  return `apps/${service}`;
}

/** The service's esbuild bundle (relative to the workspace root): what `npm start` runs and the image holds. */
export function bundlePath(service: string): string {
  return `${serviceFolder(service)}/dist/main.js`;
}

/** The package.json that holds the service's released version (nx release writes it). */
export function manifestPath(service: string): string {
  return `${serviceFolder(service)}/package.json`;
}

/** The image repository of a service, e.g. `gantry/hello`. */
export function repositoryName(service: string, prefix = DEFAULT_REPOSITORY_PREFIX): string {
  return `${prefix}/${service}`;
}

/** A pullable image reference, `<registry>/<prefix>/<service>:<tag>`. */
export function imageReference(
  registry: string,
  service: string,
  tag: string,
  prefix = DEFAULT_REPOSITORY_PREFIX,
): string {
  return `${registry}/${repositoryName(service, prefix)}:${tag}`;
}

/**
 * The mutable ECR tag on the image an environment runs, e.g. `deployed-prod`: the pipeline moves it after each
 * deploy, and the repository's lifecycle policy never expires an image that carries one. `deployedTag('*')` is
 * the pattern for every environment.
 */
export function deployedTag(envName: string): string {
  return `deployed-${envName}`;
}

/** The CloudFormation stack names of one environment. */
export function stackNames(envName: string) {
  const prefix = `Gantry-${envName}`;
  return {
    network: `${prefix}-Network`,
    platform: `${prefix}-Platform`,
    pipeline: `${prefix}-Pipeline`,
    service: (service: string) => `${prefix}-Service-${service}`,
    /** The database of a service that declares one; the service stack depends on it. */
    data: (service: string) => `${prefix}-Data-${service}`,
  };
}

/** The SSM parameters of one environment (names start with `/`, as SSM spells hierarchical names). */
export function parameterNames(envName: string) {
  const root = `/gantry/${envName}`;
  return {
    /** What runs for a service, `<version>@<digest>`; `image('*')` is the IAM pattern for all of them. */
    image: (service: string) => `${root}/images/${service}`,
    /** The service's last deploys that passed their smoke test (JSON, newest first): what a rollback picks from. */
    deploys: (service: string) => `${root}/deploys/${service}`,
    /** The shared ALB's base URL. */
    platformUrl: `${root}/platform/url`,
    /** The commit of the last successful pipeline run: the next run's base for `nx affected`. */
    lastDeployedCommit: `${root}/pipeline/last-deployed-commit`,
  };
}

/** The ARN of an SSM parameter; the parts may be CDK tokens or cdk-nag's `<AWS::Partition>` spelling. */
export function parameterArn(name: string, where: { partition: string; region: string; account: string }): string {
  return `arn:${where.partition}:ssm:${where.region}:${where.account}:parameter${name}`;
}

/** The Secrets Manager secret holding the token the record step pushes releases with. */
export function releaseTokenSecretName(envName: string): string {
  return `gantry/${envName}/github-release-token`;
}

/** The one Dockerfile every service image is built from (relative to the workspace root). */
export const SERVICE_DOCKERFILE = 'tools/images/service.Dockerfile';

/** esbuild's record of what went into a service's bundle: the release reads which packages it holds. */
export function bundleMetafilePath(service: string): string {
  return `${serviceFolder(service)}/dist/meta.json`;
}
