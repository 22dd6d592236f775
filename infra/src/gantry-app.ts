import { Annotations, ValidationError, Validations, type App } from 'aws-cdk-lib';
import {
  catalogProblems,
  databaseServices,
  serviceReferences,
  stackNames,
  type ServiceEntry,
} from '@gantry/service-catalog';
import { AwsSolutionsChecks } from 'cdk-nag';
import { placeholderConnectionArn, validateInfraConfig, type InfraConfig } from './config';
import { DataStack } from './data-stack';
import { errorName } from './errors';
import { NetworkStack } from './network-stack';
import { PipelineStack } from './pipeline-stack';
import { PlatformStack } from './platform-stack';
import { acknowledgeServiceFindings, importedPeer, ServiceStack } from './service-stack';

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
  /**
   * Synthesize only these services' stacks, and the Data stacks of those with a database (the deploy step's plan);
   * the pipeline stack still names every catalog service. Undefined synthesizes every service and Data stack.
   */
  readonly only?: readonly string[];
}

export interface GantryStacks {
  readonly network: NetworkStack;
  readonly platform: PlatformStack;
  readonly services: ReadonlyMap<string, ServiceStack>;
  /** One per synthesized service that declares a database, by service name. */
  readonly data: ReadonlyMap<string, DataStack>;
  readonly pipeline: PipelineStack;
}

/** The image given with `-c image:<name>=<version>@sha256:<hex>` (or `=<tag>`), if any. */
export function imageFromContext(app: App, service: string): string | undefined {
  const value = app.node.tryGetContext(`image:${service}`);
  return value === undefined || value === null || value === '' ? undefined : String(value);
}

/** The catalog services a context value names, comma-separated; an unknown name fails synth, naming it. */
function serviceList(app: App, catalog: readonly ServiceEntry[], key: string): string[] | undefined {
  const value = app.node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  const names = String(value)
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.filter((name) => !catalog.some((entry) => entry.name === name));
  if (unknown.length > 0) {
    throw new ValidationError(
      errorName('GantryServicesContext'),
      `-c ${key}=${String(value)} names ${unknown.map((name) => `"${name}"`).join(', ')}, not in the catalog (${catalog.map((entry) => entry.name).join(', ')})`,
      app,
    );
  }
  return names;
}

/**
 * The services given with `-c services=hello,pricing`: the deploy step synthesizes only the stacks it deploys,
 * because every service stack costs synth time (its construction, cdk-nag and its hook's bundling).
 */
export function servicesFromContext(app: App, catalog: readonly ServiceEntry[]): string[] | undefined {
  return serviceList(app, catalog, 'services');
}

/** The services given with `-c withoutTasks=orders`: created with no task, for their first migration (migrate step). */
export function withoutTasksFromContext(app: App, catalog: readonly ServiceEntry[]): string[] {
  return serviceList(app, catalog, 'withoutTasks') ?? [];
}

/** The services each entry calls (`${service:<name>}` in its env), each named once, in the order first referenced. */
export function calleesOf(entry: ServiceEntry): string[] {
  return [...new Set(serviceReferences(entry).map(([, service]) => service))];
}

/**
 * A chain of calls that comes back to where it started (`a → b → a`), or undefined. A caller's stack imports its
 * callee's security group, so the callee must be deployed first: in a cycle, no stack can be.
 */
export function callCycle(catalog: readonly ServiceEntry[]): string[] | undefined {
  const byName = new Map(catalog.map((entry) => [entry.name, entry]));
  const done = new Set<string>();
  const visit = (name: string, path: string[]): string[] | undefined => {
    const start = path.indexOf(name);
    if (start >= 0) return [...path.slice(start), name];
    if (done.has(name)) return undefined;
    const entry = byName.get(name);
    for (const callee of entry ? calleesOf(entry) : []) {
      const cycle = visit(callee, [...path, name]);
      if (cycle) return cycle;
    }
    done.add(name);
    return undefined;
  };
  for (const entry of catalog) {
    const cycle = visit(entry.name, []);
    if (cycle) return cycle;
  }
  return undefined;
}

/** Adds every Gantry stack to `app`: network, platform, one per catalog entry (and one per database), pipeline. */
export function addGantryStacks(app: App, props: GantryAppProps): GantryStacks {
  const { config, catalog } = props;
  // loadInfraConfig checks this too; a config built another way must fail synth just as clearly.
  validateInfraConfig(config);
  // The loader checks this too; a catalog built another way (tests, tools) must fail synth just as clearly.
  const problems = catalogProblems(catalog);
  if (problems.length > 0)
    throw new ValidationError(
      errorName('GantryCatalog'),
      `addGantryStacks: props.catalog is invalid: ${problems.join('; ')}`,
      app,
    );
  const cycle = callCycle(catalog);
  if (cycle) {
    throw new ValidationError(
      errorName('GantryCallCycle'),
      `addGantryStacks: services call each other in a cycle (${cycle.join(' → ')}) through \${service:<name>} env references: ` +
        "each caller's stack imports its callee's security group, so none of them could be deployed first",
      app,
    );
  }
  const byName = new Map(catalog.map((entry) => [entry.name, entry]));
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
  const withoutTasks = withoutTasksFromContext(app, catalog);
  const data = new Map<string, DataStack>();
  for (const entry of catalog.filter((e) => props.only?.includes(e.name) ?? true)) {
    // A service's database travels with it: planning the service plans its Data stack too.
    const database = entry.database
      ? new DataStack(app, names.data(entry.name), {
          env,
          entry,
          envName: config.envName,
          vpc: network.vpc,
          subnets: network.databaseSubnets,
        })
      : undefined;
    const stack = new ServiceStack(app, names.service(entry.name), {
      env,
      entry,
      platform,
      envName: config.envName,
      image: imageFromContext(app, entry.name),
      withoutTasks: withoutTasks.includes(entry.name),
      callees: calleesOf(entry).map((name) => importedPeer(config.envName, byName.get(name) as ServiceEntry)),
      database: database?.database,
    });
    acknowledgeServiceFindings(stack);
    services.set(entry.name, stack);
    if (database) {
      // The references make this so already; said here so that it stays so if they change.
      stack.addStackDependency(database, 'reads its database secret and joins its database security group');
      data.set(entry.name, database);
    }
  }
  // A caller imports its callee's security group export, so a full deploy creates the callee first.
  for (const entry of catalog) {
    for (const callee of calleesOf(entry)) {
      const [caller, called] = [services.get(entry.name), services.get(callee)];
      if (caller && called) caller.addStackDependency(called, `calls ${callee}`);
    }
  }
  const pipeline = new PipelineStack(app, names.pipeline, {
    env,
    envName: config.envName,
    services: catalog.map((entry) => entry.name),
    connectionArn: config.connectionArn,
    githubOwner: config.githubOwner,
    githubRepo: config.githubRepo,
    branch: config.branch,
    migrationServices: databaseServices(catalog).map((entry) => entry.name),
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
  return { network, platform, services, data, pipeline };
}
