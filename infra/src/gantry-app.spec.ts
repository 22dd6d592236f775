import { App } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { databaseSecretName, databaseServices, loadCatalog } from '@gantry/service-catalog';
import { sampleEntry } from '@gantry/service-catalog/testing';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadInfraConfig } from './config';
import { addGantryStacks, callCycle, calleesOf, servicesFromContext, withoutTasksFromContext } from './gantry-app';
import { DATABASE_PORT } from './constructs/service-database';
import type { DataStack } from './data-stack';
import { taskSecurityGroupExportName, type ServiceStack } from './service-stack';

const catalog = loadCatalog(join(__dirname, '..', '..'));
const config = loadInfraConfig({ tryGetContext: () => undefined });
/** infra/cdk.json's context: the feature flags `cdk synth` runs this app with. */
const cdkContext = (
  JSON.parse(readFileSync(join(__dirname, '..', 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }
).context;

interface Violation {
  ruleName: string;
  severity: string;
  violatingResources?: Array<{ constructPath: string }>;
  violatingConstructs?: Array<{ constructPath: string }>;
}

describe('the whole Gantry app', () => {
  let outdir: string;
  beforeEach(() => {
    outdir = mkdtempSync(join(tmpdir(), 'gantry-cdk-'));
  });
  afterEach(() => rmSync(outdir, { recursive: true, force: true }));

  it('synthesizes with no unacknowledged cdk-nag AwsSolutions (or CloudFormation validate) errors or warnings', () => {
    // GIVEN the app exactly as bin/app.ts builds it, with the nag checks on
    const app = new App({ outdir });
    addGantryStacks(app, { config, catalog });

    // WHEN it is synthesized
    let synthError: unknown;
    try {
      app.synth();
    } catch (error) {
      synthError = error;
    }

    // THEN the validation report lists no finding, so every new finding fails this test
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: Array<{ pluginName: string; violations?: Violation[] }>;
    };
    const findings = report.pluginReports.flatMap((plugin) =>
      (plugin.violations ?? []).flatMap((v) =>
        (v.violatingConstructs ?? v.violatingResources ?? [{ constructPath: '?' }]).map(
          (r) => `${plugin.pluginName}: ${v.severity} ${v.ruleName} at ${r.constructPath}`,
        ),
      ),
    );
    expect(findings).toEqual([]);
    expect(synthError).toBeUndefined();
    // AND that covers a Data stack: orders declares a database
    expect(readFileSync(join(outdir, 'Gantry-dev-Data-orders.template.json'), 'utf8')).toContain(
      'AWS::RDS::DBInstance',
    );
  });

  it('synthesizes only the services it is asked for, while the pipeline stack still names every service', () => {
    // GIVEN the deploy step's plan of pricing alone, which calls catalog
    const app = new App({ context: { services: 'pricing' } });

    // WHEN the app is built with the services from the context
    const stacks = addGantryStacks(app, { config, catalog, only: servicesFromContext(app, catalog), nag: false });

    // THEN only pricing's stack exists, it still imports catalog's security group by name, and every
    // service keeps its ECR repository in the pipeline stack
    expect([...stacks.services.keys()]).toEqual(['pricing']);
    expect(JSON.stringify(Template.fromStack(stacks.services.get('pricing') as ServiceStack).toJSON())).toContain(
      taskSecurityGroupExportName('dev', 'catalog'),
    );
    expect([...stacks.pipeline.repositories.keys()].sort()).toEqual(catalog.map((entry) => entry.name).sort());
  });

  it('refuses -c services naming a service the catalog does not have, saying which', () => {
    const app = new App({ context: { services: 'pricing,nope' } });

    expect(() => servicesFromContext(app, catalog)).toThrow(
      /-c services=pricing,nope names "nope", not in the catalog \(/,
    );
  });

  it('adds exactly one service stack, with a production and a test listener rule, per catalog entry', () => {
    // GIVEN the real catalog plus one sample service (each stack owns exactly its two rules, asserted in gantry-service.spec)
    const extra = sampleEntry('sample', 90);

    // WHEN the app is built from the larger catalog
    const after = addGantryStacks(new App(), { config, catalog: [...catalog, extra], nag: false });

    // THEN there is one more service stack, and it holds the only new listener rules
    expect(catalog.map((entry) => entry.name)).not.toContain('sample');
    expect([...after.services.keys()]).toEqual([...catalog.map((entry) => entry.name), 'sample']);
    const rules = [...after.services.values()].map(
      (stack) =>
        Object.keys(Template.fromStack(stack).findResources('AWS::ElasticLoadBalancingV2::ListenerRule')).length,
    );
    expect(rules.reduce((a, b) => a + b, 0)).toBe(2 * (catalog.length + 1));
    const sample = after.services.get('sample');
    if (!sample) throw new Error('no sample stack');
    Template.fromStack(sample).resourceCountIs('AWS::ElasticLoadBalancingV2::ListenerRule', 2);
    // AND its test rule takes the catalog priority and its production rule that + 25000
    for (const priority of [900, 25_900]) {
      Template.fromStack(sample).hasResourceProperties(
        'AWS::ElasticLoadBalancingV2::ListenerRule',
        Match.objectLike({ Priority: priority }),
      );
    }
    // AND the shared stacks hold no per-service rules
    Template.fromStack(after.platform).resourceCountIs('AWS::ElasticLoadBalancingV2::ListenerRule', 0);
  });

  it('runs the digest given with -c image:<name>=<version>@sha256:<hex> for that service only, and sets no desired count', () => {
    // GIVEN the app with infra/cdk.json's context (its feature flags) and hello pinned by digest on the command line
    const digest = `sha256:${'b'.repeat(64)}`;
    const app = new App({ context: { ...cdkContext, 'image:hello': `0.2.0@${digest}` } });

    // WHEN the app is built
    const { services } = addGantryStacks(app, { config, catalog, nag: false });

    // THEN hello runs gantry/hello@<digest>, and every other service the digest in its SSM record
    expect(services.size).toBeGreaterThan(1);
    for (const [name, stack] of services) {
      const tail =
        name === 'hello'
          ? [`/gantry/hello@${digest}`]
          : [`/gantry/${name}@`, { 'Fn::Select': [1, { 'Fn::Split': ['@', { Ref: Match.anyValue() }] }] }];
      const template = Template.fromStack(stack);
      template.hasResourceProperties(
        'AWS::ECS::TaskDefinition',
        Match.objectLike({
          ContainerDefinitions: [Match.objectLike({ Image: { 'Fn::Join': ['', Match.arrayWith(tail)] } })],
        }),
      );
      // AND under this app's flags no Fargate service has a DesiredCount for a stack update to reset (aws-cdk#3919)
      template.hasResourceProperties('AWS::ECS::Service', Match.objectLike({ DesiredCount: Match.absent() }));
    }
  });

  it('has a dashboard per service and one for the platform, and every alarm notifies the platform topic', () => {
    // GIVEN / WHEN the app as bin/app.ts builds it
    const { platform, services } = addGantryStacks(new App(), { config, catalog, nag: false });

    // THEN each service stack and the platform stack hold exactly one dashboard, each named after its stack
    const dashboards = [platform, ...services.values()].map((stack) => {
      const found = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard'));
      expect(found).toHaveLength(1);
      return found[0].Properties.DashboardName;
    });
    expect(dashboards).toEqual([platform.stackName, ...[...services.values()].map((stack) => stack.stackName)]);
    // AND every alarm in every stack notifies the one topic
    for (const stack of [platform, ...services.values()]) {
      const topic = stack.resolve(platform.alarmTopic.topicArn);
      Template.fromStack(stack).allResourcesProperties(
        'AWS::CloudWatch::Alarm',
        Match.objectLike({
          AlarmActions: [
            stack === platform ? topic : Match.objectLike({ 'Fn::ImportValue': Match.stringLikeRegexp('AlarmTopic') }),
          ],
        }),
      );
    }
  });

  it('fails to build when two services claim the same listener priority, naming both', () => {
    // GIVEN two entries that bypassed the catalog loader with one priority
    const clash = [sampleEntry('alpha', 1, { priority: 70 }), sampleEntry('bravo', 2, { priority: 70 })];

    // WHEN / THEN building the app throws the catalog's problem, with both names in the message
    expect(() => addGantryStacks(new App(), { config, catalog: clash, nag: false })).toThrow(
      /props\.catalog is invalid: services "alpha" and "bravo" share priority 70/,
    );
  });

  it('warns on the Pipeline stack, and only there, while the connection ARN is the placeholder', () => {
    // GIVEN the default config (no connectionArn) and one with a real-looking connection
    const real = loadInfraConfig(
      { tryGetContext: () => undefined },
      { connectionArn: 'arn:aws:codeconnections:eu-west-1:111111111111:connection/abc-123' },
    );

    // WHEN both apps are built
    const placeholder = addGantryStacks(new App(), { config, catalog, nag: false });
    const configured = addGantryStacks(new App(), { config: real, catalog, nag: false });

    // THEN the placeholder app warns on its Pipeline stack with the fix, and the configured one does not
    const warning = Match.stringLikeRegexp('placeholder connection.*-c connectionArn=<arn>');
    Annotations.fromStack(placeholder.pipeline).hasWarning('*', warning);
    Annotations.fromStack(placeholder.platform).hasNoWarning('*', warning);
    Annotations.fromStack(configured.pipeline).hasNoWarning('*', warning);
  });
});

describe('service-to-service calls in the whole app', () => {
  // The real catalog: pricing's CATALOG_URL is ${service:catalog}; hello and catalog call nobody.
  const { platform, services, data } = addGantryStacks(new App(), { config, catalog, nag: false });
  const port = (name: string) => catalog.find((entry) => entry.name === name)?.port;

  /**
   * Every ingress rule of every service stack, as "<source> -> <target>:<port>", the source "alb" or a service, the
   * target a service or "<service>-database".
   */
  function ingress(): string[] {
    return [...services].flatMap(([name, stack]) => {
      // Synthesized first: only then does a token from the platform stack resolve to its import.
      const template = Template.fromStack(stack);
      const own = JSON.stringify(stack.resolve(stack.gantryService.securityGroup.securityGroupId));
      const alb = JSON.stringify(stack.resolve(platform.albSecurityGroup.securityGroupId));
      // No rule hides inline in a group, where this list would miss it.
      for (const group of Object.values(template.findResources('AWS::EC2::SecurityGroup')))
        expect(group.Properties.SecurityGroupIngress).toBeUndefined();
      return Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).map(({ Properties: rule }) => {
        const into = JSON.stringify(rule.GroupId);
        const database = data.get(name)?.database.securityGroup;
        const target =
          into === own
            ? name
            : database && into === JSON.stringify(stack.resolve(database.securityGroupId))
              ? `${name}-database`
              : [...services.keys()].find(
                  (other) => into === JSON.stringify({ 'Fn::ImportValue': taskSecurityGroupExportName('dev', other) }),
                );
        const from = JSON.stringify(rule.SourceSecurityGroupId);
        const source = from === alb ? 'alb' : from === own ? name : `unknown ${from}`;
        expect(rule.CidrIp).toBeUndefined();
        expect(rule.FromPort).toBe(rule.ToPort);
        return `${source} -> ${target}:${rule.FromPort}`;
      });
    });
  }

  it("lets each callee (catalog among them) accept its callers' calls on its port, keeps the ALB's path to every service, and allows nothing else", () => {
    // GIVEN / WHEN the app from the real catalog
    // THEN the rules are exactly: the ALB into every service in the catalog on its port, each caller into each of
    // its callees (pricing into catalog among them), and each service with a database into its own database
    const calls = catalog.flatMap((entry) =>
      calleesOf(entry).map((callee) => `${entry.name} -> ${callee}:${port(callee)}`),
    );
    expect(calls).toContain(`pricing -> catalog:${port('catalog')}`);
    expect(ingress().sort()).toEqual(
      [
        ...[...services.keys()].map((name) => `alb -> ${name}:${port(name)}`),
        ...calls,
        ...[...data.keys()].map((name) => `${name} -> ${name}-database:${DATABASE_PORT}`),
      ].sort(),
    );
    expect([...data.keys()]).toEqual(databaseServices(catalog).map((entry) => entry.name));
    // AND the pricing rule points at the group the catalog stack exports
    const catalogStack = services.get('catalog');
    if (!catalogStack) throw new Error('no catalog stack');
    Template.fromStack(catalogStack).hasOutput('TaskSecurityGroupId', {
      Value: catalogStack.resolve(catalogStack.gantryService.securityGroup.securityGroupId),
      Export: { Name: 'Gantry-dev-Service-catalog-TaskSecurityGroupId' },
    });
    // AND the platform adds no rule of its own into a service
    Template.fromStack(platform).resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
  });

  it('lets no service call hello: only the ALB reaches it', () => {
    // GIVEN / WHEN the same app
    // THEN every rule into hello comes from the ALB
    expect(ingress().filter((rule) => rule.includes('-> hello:'))).toEqual([`alb -> hello:${port('hello')}`]);
  });

  it('resolves ${service:catalog} to catalog inside the VPC, and deploys catalog before pricing', () => {
    // GIVEN / WHEN the same app
    const pricing = services.get('pricing');
    const catalogStack = services.get('catalog');
    if (!pricing || !catalogStack) throw new Error('no pricing or catalog stack');
    const [task] = Object.values(Template.fromStack(pricing).findResources('AWS::ECS::TaskDefinition'));
    const environment = task.Properties.ContainerDefinitions[0].Environment;

    // THEN pricing's CATALOG_URL is catalog's Service Connect name and port, with nothing from the public ALB
    expect(environment).toContainEqual({ Name: 'CATALOG_URL', Value: `http://catalog:${port('catalog')}` });
    expect(JSON.stringify(environment)).not.toMatch(/Alb|ImportValue/);
    // AND a full deploy creates catalog's stack (and its export) before pricing's
    expect(pricing.dependencies).toContain(catalogStack);
    expect(catalogStack.dependencies).not.toContain(pricing);
  });

  it('makes every service a Service Connect client and server in the platform namespace, under its own name', () => {
    // GIVEN / WHEN the same app
    // THEN each service joins gantry-dev and is reachable there as <name>:<port>
    for (const [name, stack] of services) {
      Template.fromStack(stack).hasResourceProperties(
        'AWS::ECS::Service',
        Match.objectLike({
          ServiceConnectConfiguration: Match.objectLike({
            Enabled: true,
            Namespace: 'gantry-dev',
            Services: [
              Match.objectLike({
                DiscoveryName: name,
                ClientAliases: [Match.objectLike({ DnsName: name, Port: port(name) })],
              }),
            ],
          }),
        }),
      );
    }
    expect(platform.namespace.namespaceName).toBe('gantry-dev');
  });

  it('fails to build when services call each other in a cycle, naming the chain', () => {
    // GIVEN alpha calling bravo and bravo calling alpha
    const alpha = sampleEntry('alpha', 1, { env: { BRAVO_URL: '${service:bravo}' } });
    const bravo = sampleEntry('bravo', 2, { env: { ALPHA_URL: '${service:alpha}' } });

    // WHEN / THEN building the app throws, naming the chain; a chain without a cycle is fine
    expect(callCycle([alpha, bravo])).toEqual(['alpha', 'bravo', 'alpha']);
    expect(callCycle(catalog)).toBeUndefined();
    expect(() => addGantryStacks(new App(), { config, catalog: [alpha, bravo], nag: false })).toThrow(
      /services call each other in a cycle \(alpha → bravo → alpha\)/,
    );
  });
});

describe('the whole app outside dev', () => {
  const https = {
    certificateArn: 'arn:aws:acm:eu-west-1:111111111111:certificate/abc-123',
    domainName: 'api.example.com',
  };

  it('refuses to build without a certificate, naming the context keys and docs/deploy.md', () => {
    // GIVEN a prod config that bypassed loadInfraConfig with no certificate
    const prod = { ...config, envName: 'prod', natGateways: 2 };

    // WHEN / THEN building the app fails before any stack exists
    expect(() => addGantryStacks(new App(), { config: prod, catalog, nag: false })).toThrow(
      /envName "prod" is not "dev".*"certificateArn".*"domainName".*docs\/deploy\.md/,
    );
  });

  it('serves HTTPS and runs one NAT gateway per AZ by default, where dev runs one', () => {
    // GIVEN prod with its certificate and no natGateways, and the dev default
    const prod = loadInfraConfig({ tryGetContext: (key) => ({ envName: 'prod', ...https })[key as 'envName'] });

    // WHEN both apps are built
    const prodStacks = addGantryStacks(new App(), { config: prod, catalog, nag: false });
    const devStacks = addGantryStacks(new App(), { config, catalog, nag: false });

    // THEN prod has two NAT gateways (one per AZ) and an HTTPS listener, and dev one NAT gateway and plain HTTP
    Template.fromStack(prodStacks.network).resourceCountIs('AWS::EC2::NatGateway', 2);
    Template.fromStack(devStacks.network).resourceCountIs('AWS::EC2::NatGateway', 1);
    expect(prodStacks.platform.https).toBe(true);
    expect(devStacks.platform.https).toBe(false);
  });
});

describe('databases in the whole app', () => {
  // A catalog with one database service (ledger) and one without (plain).
  const ledger = sampleEntry('ledger', 50, {
    database: { engine: 'postgres', name: 'ledger', port: 5450, size: 'small' },
  });
  const plain = sampleEntry('plain', 51);
  const withDatabase = [ledger, plain];
  const fieldNames = {
    DB_HOST: 'host',
    DB_PORT: 'port',
    DB_NAME: 'dbname',
    DB_USER: 'username',
    DB_PASSWORD: 'password',
  };

  describe('a catalog with one database service', () => {
    // GIVEN / WHEN the app is built from it
    const stacks = addGantryStacks(new App(), { config, catalog: withDatabase, nag: false });
    const dataStack = stacks.data.get('ledger') as DataStack;
    const service = stacks.services.get('ledger') as ServiceStack;
    const dataTemplate = Template.fromStack(dataStack);
    const serviceTemplate = Template.fromStack(service);

    it('synthesizes exactly one Data stack, Gantry-dev-Data-ledger, holding one instance', () => {
      // THEN only ledger has a Data stack, named by the catalog's stackNames
      expect([...stacks.data.keys()]).toEqual(['ledger']);
      expect(dataStack.stackName).toBe('Gantry-dev-Data-ledger');
      dataTemplate.resourceCountIs('AWS::RDS::DBInstance', 1);
      for (const other of [stacks.network, stacks.platform, stacks.pipeline, ...stacks.services.values()])
        Template.fromStack(other).resourceCountIs('AWS::RDS::DBInstance', 0);
    });

    it('makes that instance encrypted, deletion-protected, retained and backed up for point-in-time recovery', () => {
      // THEN the instance says so, with its key and secret retained too
      dataTemplate.hasResource('AWS::RDS::DBInstance', {
        Properties: Match.objectLike({
          StorageEncrypted: true,
          KmsKeyId: Match.objectLike({ 'Fn::GetAtt': Match.anyValue() }),
          DeletionProtection: true,
          BackupRetentionPeriod: 14,
          DeleteAutomatedBackups: false,
          PubliclyAccessible: false,
        }),
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
      dataTemplate.hasResource('AWS::KMS::Key', { Properties: Match.anyValue(), DeletionPolicy: 'Retain' });
    });

    it("places it in the network's isolated database subnets", () => {
      // THEN its subnet group is exactly the Network stack's database subnets, by import
      const imports = stacks.network.vpc
        .selectSubnets(stacks.network.databaseSubnets)
        .subnets.map((subnet) => dataStack.resolve(subnet.subnetId));
      expect(imports).toHaveLength(2);
      expect(JSON.stringify(imports)).toMatch(/Fn::ImportValue.*VpcdatabaseSubnet1.*VpcdatabaseSubnet2/);
      dataTemplate.hasResourceProperties('AWS::RDS::DBSubnetGroup', Match.objectLike({ SubnetIds: imports }));
    });

    it('names the secret gantry/dev/ledger/database and rotates it on a schedule', () => {
      dataTemplate.hasResourceProperties(
        'AWS::SecretsManager::Secret',
        Match.objectLike({ Name: databaseSecretName('dev', 'ledger') }),
      );
      expect(databaseSecretName('dev', 'ledger')).toBe('gantry/dev/ledger/database');
      dataTemplate.hasResourceProperties(
        'AWS::SecretsManager::RotationSchedule',
        Match.objectLike({ RotationRules: { ScheduleExpression: 'rate(30 days)' } }),
      );
    });

    it("admits the database port only from ledger's task security group and the rotation function", () => {
      // WHEN every ingress rule into the database's group is collected, from both stacks
      const dbGroupHere = JSON.stringify(dataStack.resolve(dataStack.database.securityGroup.securityGroupId));
      const dbGroupThere = JSON.stringify(service.resolve(dataStack.database.securityGroup.securityGroupId));
      const rotationGroup = Object.keys(
        dataTemplate.findResources('AWS::EC2::SecurityGroup', {
          Properties: { GroupDescription: Match.stringLikeRegexp('RotationSingleUser') },
        }),
      );
      const rules = [
        ...Object.values(dataTemplate.findResources('AWS::EC2::SecurityGroupIngress'))
          .map((r) => r.Properties)
          .filter((rule) => JSON.stringify(rule.GroupId) === dbGroupHere),
        ...Object.values(serviceTemplate.findResources('AWS::EC2::SecurityGroupIngress'))
          .map((r) => r.Properties)
          .filter((rule) => JSON.stringify(rule.GroupId) === dbGroupThere),
      ];

      // THEN there are two: ledger's task group (in the service stack) and the rotation function's group
      expect(rules.map((rule) => rule.SourceSecurityGroupId)).toEqual([
        { 'Fn::GetAtt': [rotationGroup[0], 'GroupId'] },
        service.resolve(service.gantryService.securityGroup.securityGroupId),
      ]);
      // AND none of them opens a CIDR (no 0.0.0.0/0, no VPC CIDR), and no group holds an inline rule
      for (const rule of rules) {
        expect(rule.CidrIp).toBeUndefined();
        expect(rule.CidrIpv6).toBeUndefined();
      }
      expect(rules[1]).toMatchObject({ IpProtocol: 'tcp', FromPort: DATABASE_PORT, ToPort: DATABASE_PORT });
      for (const group of Object.values(dataTemplate.findResources('AWS::EC2::SecurityGroup')))
        expect(group.Properties.SecurityGroupIngress).toBeUndefined();
    });

    it('gives the task DB_HOST … DB_PASSWORD from that secret, and lets its execution role read it', () => {
      // THEN each variable reads its field of the Data stack's secret, by import
      const secretArn = service.resolve(dataStack.database.secret.secretArn);
      expect(JSON.stringify(secretArn)).toMatch(/Fn::ImportValue.*Gantry-dev-Data-ledger/);
      const [task] = Object.values(serviceTemplate.findResources('AWS::ECS::TaskDefinition'));
      const secrets = task.Properties.ContainerDefinitions[0].Secrets;
      for (const [name, field] of Object.entries(fieldNames)) {
        expect(secrets).toContainEqual({ Name: name, ValueFrom: { 'Fn::Join': ['', [secretArn, `:${field}::`]] } });
      }
      serviceTemplate.hasResourceProperties(
        'AWS::IAM::Policy',
        Match.objectLike({
          PolicyDocument: Match.objectLike({
            Statement: Match.arrayWith([
              Match.objectLike({ Action: Match.arrayWith(['secretsmanager:GetSecretValue']), Resource: secretArn }),
            ]),
          }),
        }),
      );
    });

    it('deploys the Data stack before the service stack, and the pipeline needs no other stack first', () => {
      expect(service.dependencies).toContain(dataStack);
      expect(dataStack.dependencies).not.toContain(service);
      expect(dataStack.dependencies).toContain(stacks.network);
      expect(stacks.pipeline.dependencies).toEqual([]);
      // AND the pipeline may run ledger's migrations, not plain's
      expect(stacks.pipeline.migrationServices).toEqual(['ledger']);
    });
  });

  it('synthesizes no Data stack for a catalog without databases, and the pipeline imports nothing', () => {
    // GIVEN / WHEN the app from a catalog whose entries declare no database
    const app = new App();
    const stacks = addGantryStacks(app, { config, catalog: [plain], nag: false });

    // THEN there is no Data stack, and no stack holds a database
    expect(stacks.data.size).toBe(0);
    expect(app.node.children.map((child) => child.node.id).filter((id) => id.includes('-Data-'))).toEqual([]);
    expect(stacks.pipeline.migrationServices).toEqual([]);
    expect(stacks.pipeline.dependencies).not.toContain(stacks.platform);
  });

  it("synthesizes a database service's Data stack with its service when planned, and without it otherwise", () => {
    // GIVEN the deploy step's plans of ledger alone and of plain alone
    const ledgerApp = new App({ context: { services: 'ledger' } });
    const plainApp = new App({ context: { services: 'plain' } });

    // WHEN each app is built with the services from its context
    const onlyLedger = addGantryStacks(ledgerApp, {
      config,
      catalog: withDatabase,
      only: servicesFromContext(ledgerApp, withDatabase),
      nag: false,
    });
    const onlyPlain = addGantryStacks(plainApp, {
      config,
      catalog: withDatabase,
      only: servicesFromContext(plainApp, withDatabase),
      nag: false,
    });

    // THEN ledger's plan holds its Data stack, plain's holds none, and both pipelines may migrate ledger
    expect([...onlyLedger.services.keys()]).toEqual(['ledger']);
    expect([...onlyLedger.data.keys()]).toEqual(['ledger']);
    expect([...onlyPlain.services.keys()]).toEqual(['plain']);
    expect(onlyPlain.data.size).toBe(0);
    expect(onlyPlain.pipeline.migrationServices).toEqual(['ledger']);
  });

  it('creates ledger with no task and an autoscaling minimum of 0 for its first migration, with -c withoutTasks', () => {
    // GIVEN the migrate step's first deploy of ledger, and a normal deploy
    const first = new App({ context: { services: 'ledger', withoutTasks: 'ledger' } });
    const normal = new App({ context: { services: 'ledger' } });

    // WHEN each is built
    const [bootstrap, later] = [first, normal].map((app) =>
      Template.fromStack(
        addGantryStacks(app, {
          config,
          catalog: withDatabase,
          only: servicesFromContext(app, withDatabase),
          nag: false,
        }).services.get('ledger') as ServiceStack,
      ),
    );

    // THEN the first has no task and may scale to 0; the normal one leaves the count to autoscaling from minTasks
    bootstrap.hasResourceProperties('AWS::ECS::Service', { DesiredCount: 0 });
    bootstrap.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 0 });
    later.hasResourceProperties('AWS::ECS::Service', { DesiredCount: Match.absent() });
    later.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: ledger.minTasks });
    // AND a name not in the catalog fails synth, naming it
    expect(() => withoutTasksFromContext(new App({ context: { withoutTasks: 'nope' } }), withDatabase)).toThrow(
      /-c withoutTasks=nope names "nope", not in the catalog/,
    );
  });
});
