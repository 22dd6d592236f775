import { Annotations, ValidationError, Validations, type App } from 'aws-cdk-lib';
import { catalogProblems, stackNames, type ServiceEntry } from '@gantry/service-catalog';
import { AwsSolutionsChecks } from 'cdk-nag';
import { placeholderConnectionArn, type InfraConfig } from './config';
import { errorName } from './errors';
import { NetworkStack } from './network-stack';
import { PipelineStack } from './pipeline-stack';
import { PlatformStack } from './platform-stack';
import { acknowledgeServiceFindings, ServiceStack } from './service-stack';

export interface GantryAppProps {
  /** Validated infra config. */
  readonly config: InfraConfig;
  /** The service catalog (`loadCatalog(root)`). */
  readonly catalog: readonly ServiceEntry[];
  /**
   * Run the cdk-nag AwsSolutions checks at synth.
   * @default true
   */
  readonly nag?: boolean;
}

export interface GantryStacks {
  readonly network: NetworkStack;
  readonly platform: PlatformStack;
  readonly services: ReadonlyMap<string, ServiceStack>;
  readonly pipeline: PipelineStack;
}

/** The image given with `-c image:<name>=<version>@sha256:<hex>` (or `=<tag>`), if any. */
export function imageFromContext(app: App, service: string): string | undefined {
  const value = app.node.tryGetContext(`image:${service}`);
  return value === undefined || value === null || value === '' ? undefined : String(value);
}

/** Adds every Gantry stack to `app`: network, platform, one per catalog entry, pipeline. */
export function addGantryStacks(app: App, props: GantryAppProps): GantryStacks {
  const { config, catalog } = props;
  // The loader checks this too; a catalog built another way (tests, tools) must fail synth just as clearly.
  const problems = catalogProblems(catalog);
  if (problems.length > 0)
    throw new ValidationError(
      errorName('GantryCatalog'),
      `addGantryStacks: props.catalog is invalid: ${problems.join('; ')}`,
      app,
    );
  const env = { account: config.account, region: config.region };
  const names = stackNames(config.envName);

  const network = new NetworkStack(app, names.network, { env, natGateways: config.natGateways });
  const platform = new PlatformStack(app, names.platform, {
    env,
    vpc: network.vpc,
    certificateArn: config.certificateArn,
    domainName: config.domainName,
    envName: config.envName,
  });
  const services = new Map<string, ServiceStack>();
  for (const entry of catalog) {
    const stack = new ServiceStack(app, names.service(entry.name), {
      env,
      entry,
      platform,
      envName: config.envName,
      image: imageFromContext(app, entry.name),
    });
    acknowledgeServiceFindings(stack);
    services.set(entry.name, stack);
  }
  const pipeline = new PipelineStack(app, names.pipeline, {
    env,
    envName: config.envName,
    services: catalog.map((entry) => entry.name),
    connectionArn: config.connectionArn,
    githubOwner: config.githubOwner,
    githubRepo: config.githubRepo,
    branch: config.branch,
  });
  // Synth must work before the connection exists; a deploy with the placeholder fails late, in CloudFormation.
  if (config.connectionArn === placeholderConnectionArn(config.account, config.region)) {
    Annotations.of(pipeline).addWarningV2(
      'gantry:placeholder-connection',
      'no context "connectionArn": the pipeline source uses a placeholder connection, so deploying this stack fails. ' +
        'Create a CodeConnections GitHub connection, complete its handshake, and pass -c connectionArn=<arn> (docs/deploy.md).',
    );
  }
  if (props.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { network, platform, services, pipeline };
}
