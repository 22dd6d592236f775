// SSM parameter names shared by the CDK app (which creates and reads them) and the pipeline (which
// writes and reads them): one definition, so the two sides cannot drift apart.

/** The SSM parameter holding the image tag that currently runs for a service in an environment. */
export function imageParameterName(envName: string, service: string): string {
  return `/gantry/${envName}/images/${service}`;
}

/** The SSM parameter holding the shared ALB's base URL in an environment. */
export function platformUrlParameterName(envName: string): string {
  return `/gantry/${envName}/platform/url`;
}
