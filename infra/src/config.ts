/** Where and how the Gantry infrastructure is deployed; read once from CDK context. */
export interface InfraConfig {
  /** AWS account id; given explicitly so synth needs no credentials and no lookups. */
  readonly account: string;
  /** AWS region, e.g. eu-west-1. */
  readonly region: string;
  /** Environment name used in stack names, SSM paths and resource names, e.g. dev. */
  readonly envName: string;
  /**
   * NAT gateways in the VPC.
   * @default defaultNatGateways(envName): 1 in dev (the cheap option), one per AZ elsewhere
   */
  readonly natGateways: number;
  /** ACM certificate ARN for the HTTPS listener; without it the ALB serves plain HTTP, which only dev may. */
  readonly certificateArn?: string;
  /**
   * Public host name pointed at the ALB (a DNS alias you create). Required with `certificateArn`:
   * TLS checks the name, and the certificate covers this name, not the ALB's own DNS name.
   * @default - the ALB's DNS name
   */
  readonly domainName?: string;
  /** GitHub owner of the source repository. */
  readonly githubOwner: string;
  /** GitHub repository name. */
  readonly githubRepo: string;
  /** Branch whose pushes trigger the pipeline. */
  readonly branch: string;
  /**
   * CodeConnections (CodeStar) connection ARN to GitHub.
   * @default a placeholder in the configured account and region: synth works, deploying the pipeline needs the real one
   */
  readonly connectionArn: string;
}

/** Bad infra configuration; the message names each context key and what it must be. */
export class InfraConfigError extends Error {
  override name = 'InfraConfigError';
}

/** The environment that may run without a certificate and with one NAT gateway. */
export const DEV_ENV = 'dev';

/** How many AZs the VPC spans (NetworkStack's default). */
export const DEFAULT_MAX_AZS = 2;

/** One NAT gateway in dev; elsewhere one per AZ, so losing an AZ never cuts the other AZs' egress. */
export function defaultNatGateways(envName: string): number {
  return envName === DEV_ENV ? 1 : DEFAULT_MAX_AZS;
}

/** Defaults that let `cdk synth` run offline with no credentials. */
export const DEFAULT_CONFIG: Omit<InfraConfig, 'connectionArn' | 'certificateArn' | 'domainName'> = {
  account: '111111111111',
  region: 'eu-west-1',
  envName: DEV_ENV,
  natGateways: defaultNatGateways(DEV_ENV),
  githubOwner: 'gantry',
  githubRepo: 'gantry',
  branch: 'main',
};

/** Anything with CDK's tryGetContext, e.g. `app.node`. */
export interface ContextSource {
  tryGetContext(key: string): unknown;
}

/** Reads the config from CDK context (`-c key=value` or cdk.json), applies defaults and validates. */
export function loadInfraConfig(context: ContextSource, overrides: Partial<InfraConfig> = {}): InfraConfig {
  const str = (key: keyof InfraConfig): string | undefined => {
    const value = context.tryGetContext(key);
    return value === undefined || value === null || value === '' ? undefined : String(value);
  };
  const nat = str('natGateways');
  const envName = overrides.envName ?? str('envName') ?? DEFAULT_CONFIG.envName;
  const config: InfraConfig = {
    account: str('account') ?? DEFAULT_CONFIG.account,
    region: str('region') ?? DEFAULT_CONFIG.region,
    envName,
    natGateways: nat === undefined ? defaultNatGateways(envName) : Number(nat),
    certificateArn: str('certificateArn'),
    domainName: str('domainName'),
    githubOwner: str('githubOwner') ?? DEFAULT_CONFIG.githubOwner,
    githubRepo: str('githubRepo') ?? DEFAULT_CONFIG.githubRepo,
    branch: str('branch') ?? DEFAULT_CONFIG.branch,
    connectionArn: '',
    ...overrides,
  };
  const connectionArn =
    overrides.connectionArn ?? str('connectionArn') ?? placeholderConnectionArn(config.account, config.region);
  const result = { ...config, connectionArn };
  validateInfraConfig(result);
  return result;
}

/** The connection ARN used when none is configured: valid in shape, never a real connection. */
export function placeholderConnectionArn(account: string, region: string): string {
  return `arn:aws:codeconnections:${region}:${account}:connection/00000000-0000-0000-0000-000000000000`;
}

/** Throws an InfraConfigError listing every bad value. */
export function validateInfraConfig(config: InfraConfig): void {
  const problems: string[] = [];
  if (!/^\d{12}$/.test(config.account))
    problems.push(`context "account" must be a 12-digit AWS account id, got "${config.account}"`);
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(config.region))
    problems.push(`context "region" must be an AWS region like eu-west-1, got "${config.region}"`);
  if (!/^[a-z][a-z0-9-]{0,15}$/.test(config.envName))
    problems.push(`context "envName" must be lower-case letters, digits and dashes (max 16), got "${config.envName}"`);
  if (!Number.isInteger(config.natGateways) || config.natGateways < 1 || config.natGateways > 3) {
    problems.push(
      `context "natGateways" must be an integer from 1 to 3 (services run in private subnets and need egress), got "${config.natGateways}"`,
    );
  }
  if (
    config.certificateArn !== undefined &&
    !/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/.test(config.certificateArn)
  ) {
    problems.push(`context "certificateArn" must be an ACM certificate ARN, got "${config.certificateArn}"`);
  }
  if (
    config.domainName !== undefined &&
    !/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(config.domainName)
  ) {
    problems.push(
      `context "domainName" must be a lower-case DNS host name like api.example.com, got "${config.domainName}"`,
    );
  }
  if (config.certificateArn !== undefined && config.domainName === undefined) {
    problems.push(
      'context "domainName" is required with "certificateArn": HTTPS callers check the certificate\'s name, so give the name it covers',
    );
  }
  if (config.envName !== DEV_ENV && config.certificateArn === undefined) {
    problems.push(
      `envName "${config.envName}" is not "${DEV_ENV}", so its public ALB must serve HTTPS: set context "certificateArn" ` +
        '(an ACM certificate in the same region) and "domainName" (the name it covers); see docs/deploy.md, "HTTPS outside dev"',
    );
  }
  if (
    !/^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:\d{12}:connection\/[A-Za-z0-9-]+$/.test(
      config.connectionArn,
    )
  ) {
    problems.push(`context "connectionArn" must be a CodeConnections connection ARN, got "${config.connectionArn}"`);
  }
  if (!/^[A-Za-z0-9-]+$/.test(config.githubOwner))
    problems.push(`context "githubOwner" must be a GitHub owner name, got "${config.githubOwner}"`);
  if (!/^[A-Za-z0-9._-]+$/.test(config.githubRepo))
    problems.push(`context "githubRepo" must be a GitHub repository name, got "${config.githubRepo}"`);
  if (config.branch.length === 0) problems.push('context "branch" must not be empty');
  if (problems.length > 0) throw new InfraConfigError(`invalid infra config: ${problems.join('; ')}`);
}
