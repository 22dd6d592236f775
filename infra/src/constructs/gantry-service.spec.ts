import { App, Errors, Stack } from 'aws-cdk-lib';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cloudmap from 'aws-cdk-lib/aws-servicediscovery';
import * as sns from 'aws-cdk-lib/aws-sns';
import { APP_CONTAINER_NAME, ecsNames, SHUTDOWN_TIMING, TEST_TRAFFIC_HEADER } from '@gantry/service-catalog';
import { sampleEntry } from '@gantry/service-catalog/testing';
import { HOOK_ENV, hookEnvironment } from '../hooks/test-traffic-check';
import type { PlatformPieces } from '../platform-stack';
import {
  GantryService,
  IMAGE_VERSION_LABEL,
  parsePinnedImage,
  serviceConnectUrl,
  type GantryServiceProps,
} from './gantry-service';
import { TEST_CHECK_WINDOW } from './test-traffic-check-hook';

const HEX = 'a'.repeat(64);
const DIGEST = `sha256:${HEX}`;

/**
 * A fresh stack holding a minimal shared platform (VPC, cluster with a Service Connect namespace, ALB listener), as
 * PlatformStack provides it; `namespace: false` leaves the namespace out.
 */
function platformStack(app = new App(), { namespace = true } = {}): { stack: Stack; platform: PlatformPieces } {
  const stack = new Stack(app, 'Test');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const albSecurityGroup = new ec2.SecurityGroup(stack, 'AlbSg', { vpc });
  const alb = new elbv2.ApplicationLoadBalancer(stack, 'Alb', {
    vpc,
    internetFacing: true,
    securityGroup: albSecurityGroup,
  });
  const listener = alb.addListener('Http', {
    port: 80,
    open: false,
    defaultAction: elbv2.ListenerAction.fixedResponse(404),
  });
  const cluster = new ecs.Cluster(stack, 'Cluster', {
    vpc,
    defaultCloudMapNamespace: namespace
      ? { name: 'gantry-test', type: cloudmap.NamespaceType.HTTP, useForServiceConnect: true }
      : undefined,
  });
  const alarmTopic = new sns.Topic(stack, 'Alarms');
  return { stack, platform: { vpc, cluster, listener, albSecurityGroup, url: 'http://alb.example.com', alarmTopic } };
}

function build(overrides: Partial<GantryServiceProps> = {}, options: { namespace?: boolean } = {}) {
  const { stack, platform } = platformStack(new App(), options);
  const gantry = new GantryService(stack, 'Orders', {
    entry: sampleEntry('orders', 3, { minTasks: 2, maxTasks: 5 }),
    platform,
    envName: 'dev',
    ...overrides,
  });
  return { stack, gantry, template: Template.fromStack(stack) };
}

/** Forward to the primary group at weight 1 and the alternate at 0: where both rules start, and what ECS moves. */
function forwardToBoth(stack: Stack, gantry: GantryService) {
  return [
    {
      Type: 'forward',
      ForwardConfig: {
        TargetGroups: [
          { TargetGroupArn: stack.resolve(gantry.targetGroup.targetGroupArn), Weight: 1 },
          { TargetGroupArn: stack.resolve(gantry.alternateTargetGroup.targetGroupArn), Weight: 0 },
        ],
      },
    },
  ];
}

/** The container's `Image` as CloudFormation gets it: `<account>.dkr.ecr.<region>.<suffix>/gantry/orders<rest>`. */
const ecrImage = (...rest: unknown[]) => ({
  'Fn::Join': [
    '',
    [{ Ref: 'AWS::AccountId' }, '.dkr.ecr.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, ...rest],
  ],
});

/** The logical ID of the stack parameter that reads `/gantry/dev/images/orders` from SSM. */
function imageParameter(template: Template): string {
  const found = Object.entries(template.toJSON().Parameters ?? {}).find(
    ([, parameter]) => (parameter as { Default?: string }).Default === '/gantry/dev/images/orders',
  );
  if (!found) throw new Error('no image parameter');
  return found[0];
}

/** ECR pull rights on gantry/orders, as fromEcrRepository and grantPull give them to the execution role. */
const pullGrant = Match.objectLike({
  PolicyDocument: Match.objectLike({
    Statement: Match.arrayWith([
      Match.objectLike({
        Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
        Resource: { 'Fn::Join': ['', Match.arrayWith([':repository/gantry/orders'])] },
      }),
    ]),
  }),
});

describe('GantryService', () => {
  it('routes the service paths at catalog priority + 25000 to two target groups health-checking the catalog health path', () => {
    // GIVEN the "orders" entry (priority 30, port 3103)
    // WHEN the construct is synthesized
    const { stack, gantry, template } = build({ image: '1.2.3' });

    // THEN the production rule forwards /orders and /orders/* to the primary group (weight 1) and the alternate (0)
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::ListenerRule', 2);
    expect(stack.resolve(gantry.listenerRule.listenerRuleArn)).toEqual({
      Ref: Object.keys(
        template.findResources('AWS::ElasticLoadBalancingV2::ListenerRule', {
          Properties: {
            Priority: 25_030,
            Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/orders', '/orders/*'] } }],
            Actions: forwardToBoth(stack, gantry),
          },
        }),
      )[0],
    });
    // AND both groups are IP groups on 3103 that check /orders/ready and drain no longer than the task does
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 2);
    template.allResourcesProperties(
      'AWS::ElasticLoadBalancingV2::TargetGroup',
      Match.objectLike({
        HealthCheckPath: '/orders/ready',
        Port: 3103,
        TargetType: 'ip',
        TargetGroupAttributes: Match.arrayWith([
          {
            Key: 'deregistration_delay.timeout_seconds',
            Value: String(SHUTDOWN_TIMING.deregistrationDelaySeconds),
          },
        ]),
      }),
    );
  });

  it('routes the service paths with the test header at the catalog priority, before the production rule', () => {
    // GIVEN the "orders" entry (priority 30)
    // WHEN the construct is synthesized
    const { stack, gantry, template } = build({ image: '1.2.3' });

    // THEN the test rule needs both the paths and x-gantry-test-traffic: 1, and the ALB tries it first (30 < 25030)
    template.hasResource('AWS::ElasticLoadBalancingV2::ListenerRule', {
      Properties: {
        ListenerArn: Match.anyValue(),
        Priority: 30,
        Conditions: [
          { Field: 'path-pattern', PathPatternConfig: { Values: ['/orders', '/orders/*'] } },
          { Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: TEST_TRAFFIC_HEADER, Values: ['1'] } },
        ],
        Actions: forwardToBoth(stack, gantry),
      },
      // AND it is created only after the production rule has left priority 30 (a service moving from one rule)
      DependsOn: [stack.resolve(gantry.listenerRule.listenerRuleArn).Ref],
    });
  });

  it('runs the task count within the catalog bounds, scaling on CPU and on requests in either target group', () => {
    // GIVEN an entry with 2 to 5 tasks
    // WHEN the construct is synthesized
    const { template } = build({ image: '1.2.3' });

    // THEN the service sets no desired count (autoscaling owns it) and the scalable target spans the bounds
    template.hasResourceProperties(
      'AWS::ECS::Service',
      Match.objectLike({ DesiredCount: Match.absent(), EnableExecuteCommand: false }),
    );
    template.hasResourceProperties(
      'AWS::ApplicationAutoScaling::ScalableTarget',
      Match.objectLike({ MinCapacity: 2, MaxCapacity: 5 }),
    );
    // AND one request policy per target group follows the tasks whichever group they are in
    template.resourceCountIs('AWS::ApplicationAutoScaling::ScalingPolicy', 3);
    const labels = Object.values(template.findResources('AWS::ApplicationAutoScaling::ScalingPolicy')).flatMap(
      (policy) =>
        policy.Properties.TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification.ResourceLabel ?? [],
    );
    expect(JSON.stringify(labels)).toMatch(/OrdersTargetGroup.*OrdersAlternateTargetGroup/);
  });

  it('runs <repository>@<digest> for a pinned <version>@sha256 image, labelled and tagged with the version', () => {
    // GIVEN the image the pipeline passes, 1.2.3@sha256:aaa…
    // WHEN the construct is synthesized
    const { template } = build({ image: `1.2.3@${DIGEST}` });

    // THEN the container pulls gantry/orders by digest, and the version is its docker label and a task definition tag
    template.hasResourceProperties(
      'AWS::ECS::TaskDefinition',
      Match.objectLike({
        ContainerDefinitions: [
          Match.objectLike({
            Image: ecrImage(`/gantry/orders@${DIGEST}`),
            DockerLabels: { [IMAGE_VERSION_LABEL]: '1.2.3' },
          }),
        ],
        Tags: Match.arrayWith([{ Key: IMAGE_VERSION_LABEL, Value: '1.2.3' }]),
      }),
    );
    // AND the execution role may pull from gantry/orders; the construct creates no repository (the pipeline stack does)
    template.hasResourceProperties('AWS::IAM::Policy', pullGrant);
    template.resourceCountIs('AWS::ECR::Repository', 0);
  });

  it('runs <repository>:<tag> for a plain pinned tag, labelled with the tag', () => {
    // GIVEN a tag a human pins by hand, 0.2.0
    // WHEN the construct is synthesized
    const { template } = build({ image: '0.2.0' });

    // THEN the container pulls gantry/orders:0.2.0 and the stack reads no image parameter from SSM
    template.hasResourceProperties(
      'AWS::ECS::TaskDefinition',
      Match.objectLike({
        ContainerDefinitions: [
          Match.objectLike({
            Image: ecrImage('/gantry/orders:0.2.0'),
            DockerLabels: { [IMAGE_VERSION_LABEL]: '0.2.0' },
          }),
        ],
      }),
    );
    expect(Object.keys(template.toJSON().Parameters ?? {})).toEqual(['BootstrapVersion']);
    template.hasResourceProperties('AWS::IAM::Policy', pullGrant);
  });

  it('without an image, splits the SSM record <version>@<digest> in CloudFormation and runs the digest', () => {
    // GIVEN no image: the stack reads /gantry/dev/images/orders at deploy time
    // WHEN the construct is synthesized
    const { template } = build();
    const record = { 'Fn::Split': ['@', { Ref: imageParameter(template) }] };

    // THEN the image is "<repository>@" joined with the part after "@", and the version is the part before it
    template.hasResourceProperties(
      'AWS::ECS::TaskDefinition',
      Match.objectLike({
        ContainerDefinitions: [
          Match.objectLike({
            Image: ecrImage('/gantry/orders@', { 'Fn::Select': [1, record] }),
            DockerLabels: { [IMAGE_VERSION_LABEL]: { 'Fn::Select': [0, record] } },
          }),
        ],
        Tags: Match.arrayWith([{ Key: IMAGE_VERSION_LABEL, Value: { 'Fn::Select': [0, record] } }]),
      }),
    );
    // AND the execution role may still pull from gantry/orders, though the image URI is built by hand
    template.hasResourceProperties('AWS::IAM::Policy', pullGrant);
  });

  it('exposes its children, so stacks can wire alarms and acknowledgements to them', () => {
    // GIVEN / WHEN a service
    const { stack, gantry, template } = build({ image: '1.2.3' });

    // THEN the exposed test rule and task security group are the ones in the template
    const [testRuleId] = Object.keys(
      template.findResources('AWS::ElasticLoadBalancingV2::ListenerRule', { Properties: { Priority: 30 } }),
    );
    const [groupId] = Object.keys(
      template.findResources('AWS::EC2::SecurityGroup', {
        Properties: {
          GroupDescription: 'orders tasks: port 3103 from the ALB and from the services that call orders',
        },
      }),
    );
    expect(stack.resolve(gantry.testListenerRule.listenerRuleArn)).toEqual({ Ref: testRuleId });
    expect(stack.resolve(gantry.securityGroup.securityGroupId)).toEqual({ 'Fn::GetAtt': [groupId, 'GroupId'] });
    expect(gantry.container.containerPort).toBe(3103);
  });

  it('throws a ValidationError naming props.image for "latest" or anything but <version>@sha256:<64 hex> or a tag', () => {
    // GIVEN / WHEN latest (as a tag or a version), a short, upper-case or bare digest, or a slash
    // THEN each throws, naming the prop and the value
    expect(() => build({ image: 'latest' })).toThrow(/props\.image "latest" is not a pinned image/);
    expect(() => build({ image: `latest@${DIGEST}` })).toThrow(
      /props\.image "latest@sha256:a{64}" is not a pinned image/,
    );
    expect(() => build({ image: '1.2.3@sha256:abc' })).toThrow(
      /props\.image "1\.2\.3@sha256:abc" is not a pinned image/,
    );
    expect(() => build({ image: `1.2.3@sha256:${HEX.toUpperCase()}` })).toThrow(
      /props\.image "1\.2\.3@sha256:A{64}" is not/,
    );
    expect(() => build({ image: DIGEST })).toThrow(/props\.image "sha256:a{64}" is not a pinned image/);
    expect(() => build({ image: 'a/b' })).toThrow(/props\.image "a\/b" is not a pinned image/);
    let error: unknown;
    try {
      build({ image: 'latest' });
    } catch (caught) {
      error = caught;
    }
    expect(Errors.isValidationError(error)).toBe(true);
  });

  it('parses the two pinned forms, and nothing else', () => {
    // GIVEN / WHEN / THEN a digest reference keeps both parts, a tag is its own version, latest is refused
    expect(parsePinnedImage(`0.2.0@${DIGEST}`)).toEqual({ version: '0.2.0', digest: DIGEST });
    expect(parsePinnedImage('sha-abc123')).toEqual({ version: 'sha-abc123' });
    expect(parsePinnedImage('latest')).toBeUndefined();
    expect(parsePinnedImage(`0.2.0@${DIGEST}@${DIGEST}`)).toBeUndefined();
  });
});

/** The one container definition of the one task definition in `template`. */
function containerOf(template: Template): Record<string, unknown> & {
  Environment: Array<{ Name: string; Value: unknown }>;
} {
  const [task] = Object.values(template.findResources('AWS::ECS::TaskDefinition'));
  return task.Properties.ContainerDefinitions[0];
}

/** The ingress rules of `template`, as CloudFormation gets them. */
function ingressRules(template: Template): Array<Record<string, unknown>> {
  return Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).map((rule) => rule.Properties);
}

const CATALOG = { name: 'catalog', port: 3002, securityGroupId: 'sg-0123456789abcdef0' };

describe('GantryService shutdown timing', () => {
  it('orders the chain in the template: deregistration delay = delay + drain < stopTimeout <= 120, env matching', () => {
    // GIVEN / WHEN a service
    const { template } = build({ image: '1.2.3' });

    // THEN the container tells the service kit the delay and the drain that SHUTDOWN_TIMING gives
    const container = containerOf(template);
    const env = (name: string) => Number(container.Environment.find((e) => e.Name === name)?.Value);
    const delay = env('SHUTDOWN_DELAY_MS') / 1000;
    const drain = env('DRAIN_TIMEOUT_MS') / 1000;
    expect([delay, drain]).toEqual([SHUTDOWN_TIMING.shutdownDelaySeconds, SHUTDOWN_TIMING.drainTimeoutSeconds]);
    // AND both target groups stop routing after exactly the whole drain
    const delays = Object.values(template.findResources('AWS::ElasticLoadBalancingV2::TargetGroup')).map((group) =>
      Number(
        (group.Properties.TargetGroupAttributes as Array<{ Key: string; Value: string }>).find(
          (a) => a.Key === 'deregistration_delay.timeout_seconds',
        )?.Value,
      ),
    );
    expect(delays).toEqual([delay + drain, delay + drain]);
    // AND ECS kills the task only after that, within its 120 s limit
    const stopTimeout = container.StopTimeout as number;
    expect(stopTimeout).toBe(SHUTDOWN_TIMING.stopTimeoutSeconds);
    expect(delay + drain).toBeLessThan(stopTimeout);
    expect(stopTimeout).toBeLessThanOrEqual(120);
  });

  it('defines no container health check: the target health check on the readiness path judges the tasks', () => {
    // GIVEN / WHEN a service
    const { template } = build({ image: '1.2.3' });

    // THEN the container has no HealthCheck, and the target groups check /orders/ready
    expect(containerOf(template)).not.toHaveProperty('HealthCheck');
    template.hasResourceProperties(
      'AWS::ECS::TaskDefinition',
      Match.objectLike({ ContainerDefinitions: [Match.objectLike({ HealthCheck: Match.absent() })] }),
    );
    template.allResourcesProperties(
      'AWS::ElasticLoadBalancingV2::TargetGroup',
      Match.objectLike({ HealthCheckPath: '/orders/ready' }),
    );
  });
});

describe('GantryService Service Connect', () => {
  it('joins the cluster namespace as client and server "orders:3103", taking test calls by the test header', () => {
    // GIVEN / WHEN a service on a cluster whose default namespace is gantry-test
    const { template } = build({ image: '1.2.3' });

    // THEN its port mapping is named, HTTP, and Service Connect advertises it as orders:3103
    expect(containerOf(template).PortMappings).toEqual([
      { ContainerPort: 3103, Name: 'http', AppProtocol: 'http', Protocol: 'tcp' },
    ]);
    template.hasResourceProperties(
      'AWS::ECS::Service',
      Match.objectLike({
        ServiceConnectConfiguration: {
          Enabled: true,
          Namespace: 'gantry-test',
          Services: [
            {
              PortName: 'http',
              DiscoveryName: 'orders',
              ClientAliases: [
                {
                  DnsName: 'orders',
                  Port: 3103,
                  TestTrafficRules: { Header: { Name: TEST_TRAFFIC_HEADER, Value: { Exact: '1' } } },
                },
              ],
            },
          ],
          LogConfiguration: Match.objectLike({
            LogDriver: 'awslogs',
            Options: Match.objectLike({ 'awslogs-stream-prefix': 'orders-service-connect' }),
          }),
        },
      }),
    );
  });

  it("resolves ${service:catalog} to catalog's Service Connect name and port, never the public ALB", () => {
    // GIVEN an entry calling catalog, and catalog's port and task security group
    const entry = sampleEntry('orders', 3, { env: { CATALOG_URL: '${service:catalog}/catalog', MODE: 'fast' } });

    // WHEN the construct is synthesized
    const { template } = build({ image: '1.2.3', entry, callees: [CATALOG] });

    // THEN CATALOG_URL is http://catalog:3002/catalog and no env value names the platform URL
    const environment = containerOf(template).Environment;
    expect(environment).toContainEqual({ Name: 'CATALOG_URL', Value: 'http://catalog:3002/catalog' });
    expect(environment).toContainEqual({ Name: 'MODE', Value: 'fast' });
    expect(serviceConnectUrl(CATALOG)).toBe('http://catalog:3002');
    expect(JSON.stringify(environment)).not.toContain('alb.example.com');
  });

  it("lets its tasks into each callee's security group on the callee's port, and into nothing else", () => {
    // GIVEN an entry calling catalog twice (two variables)
    const entry = sampleEntry('orders', 3, {
      env: { CATALOG_URL: '${service:catalog}', CATALOG_ADMIN: '${service:catalog}/admin' },
    });

    // WHEN the construct is synthesized
    const { stack, gantry, template } = build({ image: '1.2.3', entry, callees: [CATALOG] });

    // THEN there are two rules: the ALB into orders on 3103, and orders into catalog on 3002
    const own = stack.resolve(gantry.securityGroup.securityGroupId);
    const rules = ingressRules(template);
    expect(rules).toHaveLength(2);
    expect(rules).toContainEqual(
      expect.objectContaining({ GroupId: own, FromPort: 3103, ToPort: 3103, IpProtocol: 'tcp' }),
    );
    expect(rules).toContainEqual({
      GroupId: 'sg-0123456789abcdef0',
      SourceSecurityGroupId: own,
      IpProtocol: 'tcp',
      FromPort: 3002,
      ToPort: 3002,
      Description: 'orders to catalog through Service Connect',
    });
    expect(gantry.calleeIngress).toHaveLength(1);
  });

  it('calls nothing and lets no service in when its env references none', () => {
    // GIVEN / WHEN an entry with no ${service:x}
    const { stack, gantry, template } = build({ image: '1.2.3' });

    // THEN the only ingress is the ALB's, into its own group
    const rules = ingressRules(template);
    expect(rules).toHaveLength(1);
    expect(rules[0].GroupId).toEqual(stack.resolve(gantry.securityGroup.securityGroupId));
    expect(gantry.calleeIngress).toEqual([]);
  });

  it('throws naming the variable when a referenced service is not a callee, and naming a callee nothing references', () => {
    // GIVEN an entry calling catalog
    const entry = sampleEntry('orders', 3, { env: { CATALOG_URL: '${service:catalog}' } });

    // WHEN / THEN leaving catalog out, or adding a callee nothing references, fails with what is wrong
    expect(() => build({ image: '1.2.3', entry })).toThrow(
      'GantryService "orders": env "CATALOG_URL" references "catalog", which props.callees does not list',
    );
    expect(() =>
      build({
        image: '1.2.3',
        entry,
        callees: [CATALOG, { name: 'hello', port: 3001, securityGroupId: 'sg-0fedcba9876543210' }],
      }),
    ).toThrow('GantryService "orders": props.callees lists "hello", which no env value references');
  });

  it('throws when the cluster has no default Cloud Map namespace to join', () => {
    // GIVEN / WHEN a platform whose cluster has no namespace / THEN the construct says what is missing
    expect(() => build({ image: '1.2.3' }, { namespace: false })).toThrow(
      /props\.platform\.cluster has no default Cloud Map namespace, which Service Connect needs/,
    );
  });
});

describe('GantryService with a database', () => {
  // GIVEN an entry declaring a database, an own secret, and the Data stack's pieces (here in the same stack)
  const entry = sampleEntry('orders', 3, {
    database: { engine: 'postgres', name: 'orders', port: 5433, size: 'small' },
    secrets: { API_KEY: { secretsManager: 'gantry/orders/api', field: 'key' } },
  });
  const { stack, platform } = platformStack();
  const database = {
    secret: new secretsmanager.Secret(stack, 'DbSecret', { secretName: 'gantry/dev/orders/database' }),
    securityGroup: new ec2.SecurityGroup(stack, 'DbSecurityGroup', { vpc: platform.vpc, allowAllOutbound: false }),
    port: 5432,
  };
  // WHEN the service is synthesized with them
  const gantry = new GantryService(stack, 'Orders', { entry, platform, envName: 'dev', image: '1.2.3', database });
  const template = Template.fromStack(stack);
  const secretArn = stack.resolve(database.secret.secretArn);

  it("reads DB_HOST … DB_PASSWORD from the database secret's fields, after its own secrets", () => {
    // THEN the container's secrets are the catalog's taskSecrets, the connection from the Data stack's secret object
    const [task] = Object.values(template.findResources('AWS::ECS::TaskDefinition'));
    const secrets = task.Properties.ContainerDefinitions[0].Secrets as Array<{ Name: string; ValueFrom: unknown }>;
    expect(secrets.map((secret) => secret.Name)).toEqual([
      'API_KEY',
      'DB_HOST',
      'DB_PORT',
      'DB_NAME',
      'DB_USER',
      'DB_PASSWORD',
    ]);
    const fields = {
      DB_HOST: 'host',
      DB_PORT: 'port',
      DB_NAME: 'dbname',
      DB_USER: 'username',
      DB_PASSWORD: 'password',
    };
    for (const [name, field] of Object.entries(fields)) {
      expect(secrets).toContainEqual({ Name: name, ValueFrom: { 'Fn::Join': ['', [secretArn, `:${field}::`]] } });
    }
    // AND no env value carries a DB_ setting (the service reads DB_SSL's default itself)
    expect(JSON.stringify(task.Properties.ContainerDefinitions[0].Environment)).not.toMatch(/"DB_/);
  });

  it('lets its execution role read the database secret by its ARN', () => {
    // THEN the execution role's policy reads the secret by its ARN
    template.hasResourceProperties(
      'AWS::IAM::Policy',
      Match.objectLike({
        Roles: [stack.resolve(gantry.taskDefinition.obtainExecutionRole().roleName)],
        PolicyDocument: Match.objectLike({
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
              Resource: secretArn,
            }),
          ]),
        }),
      }),
    );
  });

  it("lets its tasks, and nothing else, into the database's security group on the database port", () => {
    // THEN one rule goes into the database's group: from the task group, on 5432, from no CIDR
    const dbGroup = JSON.stringify(stack.resolve(database.securityGroup.securityGroupId));
    const rules = ingressRules(template).filter((rule) => JSON.stringify(rule.GroupId) === dbGroup);
    expect(rules).toEqual([
      {
        GroupId: stack.resolve(database.securityGroup.securityGroupId),
        SourceSecurityGroupId: stack.resolve(gantry.securityGroup.securityGroupId),
        IpProtocol: 'tcp',
        FromPort: 5432,
        ToPort: 5432,
        Description: 'orders tasks to their database',
      },
    ]);
    expect(gantry.databaseIngress).toBeDefined();
  });

  it('gives its ECS service, task family, roles and log group the fixed names the Deploy role is scoped to', () => {
    // THEN they are ecsNames("dev", "orders")
    expect(gantry.fixedNames).toEqual(ecsNames('dev', 'orders'));
    template.hasResourceProperties('AWS::ECS::Service', Match.objectLike({ ServiceName: 'gantry-dev-orders' }));
    template.hasResourceProperties(
      'AWS::ECS::TaskDefinition',
      Match.objectLike({
        Family: 'gantry-dev-orders',
        ContainerDefinitions: [
          Match.objectLike({
            Name: APP_CONTAINER_NAME,
            LogConfiguration: Match.objectLike({
              Options: Match.objectLike({ 'awslogs-stream-prefix': 'orders' }),
            }),
          }),
        ],
      }),
    );
    template.hasResourceProperties('AWS::IAM::Role', Match.objectLike({ RoleName: 'gantry-dev-orders-task' }));
    template.hasResourceProperties('AWS::IAM::Role', Match.objectLike({ RoleName: 'gantry-dev-orders-exec' }));
    template.hasResourceProperties('AWS::Logs::LogGroup', Match.objectLike({ LogGroupName: '/gantry/dev/orders' }));
  });

  it('leaves the names of a service without a database to CloudFormation', () => {
    // GIVEN / WHEN a service without a database
    const plain = build({ image: '1.2.3' });

    // THEN nothing is named by hand, so existing services keep their resources
    expect(plain.gantry.fixedNames).toBeUndefined();
    plain.template.hasResourceProperties('AWS::ECS::Service', Match.objectLike({ ServiceName: Match.absent() }));
    // (CDK names a family after the construct path when none is given)
    plain.template.hasResourceProperties(
      'AWS::ECS::TaskDefinition',
      Match.objectLike({ Family: Match.stringLikeRegexp('^TestOrdersTask') }),
    );
    expect(JSON.stringify(plain.template.findResources('AWS::IAM::Role'))).not.toContain('RoleName');
  });

  it('throws when an entry with a database gets no props.database, and when one without gets it', () => {
    expect(() => build({ image: '1.2.3', entry })).toThrow(
      /GantryService "orders": its entry declares a database, so props\.database .* is required/,
    );
    const other = platformStack();
    const stray = {
      secret: new secretsmanager.Secret(other.stack, 'DbSecret'),
      securityGroup: new ec2.SecurityGroup(other.stack, 'DbSg', { vpc: other.platform.vpc }),
      port: 5432,
    };
    expect(
      () =>
        new GantryService(other.stack, 'Orders', {
          entry: sampleEntry('orders', 3),
          platform: other.platform,
          envName: 'dev',
          image: '1.2.3',
          database: stray,
        }),
    ).toThrow(/props\.database is given, but its entry declares no database/);
  });
});

describe('GantryService deployments', () => {
  it('deploys blue/green by default: 5 minutes of bake, the circuit breaker, and ECS moving both rules', () => {
    // GIVEN an entry with no deployment block
    // WHEN the construct is synthesized
    const { stack, gantry, template } = build({ image: '1.2.3' });

    // THEN the service deploys BLUE_GREEN with a 5-minute bake, keeping the rolling-back circuit breaker
    template.hasResourceProperties(
      'AWS::ECS::Service',
      Match.objectLike({
        DeploymentController: { Type: 'ECS' },
        DeploymentConfiguration: Match.objectLike({
          Strategy: 'BLUE_GREEN',
          BakeTimeInMinutes: 5,
          DeploymentCircuitBreaker: { Enable: true, Rollback: true },
          MinimumHealthyPercent: 100,
          MaximumPercent: 200,
          CanaryConfiguration: Match.absent(),
          LinearConfiguration: Match.absent(),
        }),
        // AND the new tasks go to the alternate group, behind the production and the test rule, moved by the traffic role
        LoadBalancers: [
          {
            ContainerName: 'app',
            ContainerPort: 3103,
            TargetGroupArn: stack.resolve(gantry.targetGroup.targetGroupArn),
            AdvancedConfiguration: {
              AlternateTargetGroupArn: stack.resolve(gantry.alternateTargetGroup.targetGroupArn),
              ProductionListenerRule: stack.resolve(gantry.listenerRule.listenerRuleArn),
              TestListenerRule: stack.resolve(gantry.testListenerRule.listenerRuleArn),
              RoleArn: stack.resolve(gantry.trafficRole.roleArn),
            },
          },
        ],
      }),
    );
    expect(gantry.deployment).toEqual({ strategy: 'blue-green', bakeMinutes: 5 });
    // AND the traffic role is ECS's, with the load-balancer policy ECS documents for it
    template.hasResourceProperties(
      'AWS::IAM::Role',
      Match.objectLike({
        AssumeRolePolicyDocument: Match.objectLike({
          Statement: [Match.objectLike({ Principal: { Service: 'ecs.amazonaws.com' } })],
        }),
        ManagedPolicyArns: [
          {
            'Fn::Join': [
              '',
              ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers'],
            ],
          },
        ],
      }),
    );
  });

  it.each([
    ['canary', { CanaryConfiguration: { CanaryPercent: 10, CanaryBakeTimeInMinutes: 5 } }],
    ['linear', { LinearConfiguration: { StepPercent: 20, StepBakeTimeInMinutes: 2 } }],
  ] as const)('deploys %s when service.json says so, with its bake time', (strategy, shift) => {
    // GIVEN a deployment block choosing the strategy and a 15-minute bake
    const entry = sampleEntry('orders', 3, { deployment: { strategy, bakeMinutes: 15 } });

    // WHEN the construct is synthesized
    const { template } = build({ image: '1.2.3', entry });

    // THEN the service deploys that way, stepping production traffic as the strategy does, and bakes 15 minutes
    template.hasResourceProperties(
      'AWS::ECS::Service',
      Match.objectLike({
        DeploymentConfiguration: Match.objectLike({
          Strategy: strategy.toUpperCase(),
          BakeTimeInMinutes: 15,
          ...shift,
        }),
      }),
    );
  });

  it('takes a bake time of 0 from service.json (no bake) rather than the default', () => {
    // GIVEN bakeMinutes 0
    const entry = sampleEntry('orders', 3, { deployment: { bakeMinutes: 0 } });

    // WHEN / THEN the service still deploys blue/green, with no bake
    build({ image: '1.2.3', entry }).template.hasResourceProperties(
      'AWS::ECS::Service',
      Match.objectLike({ DeploymentConfiguration: Match.objectLike({ Strategy: 'BLUE_GREEN', BakeTimeInMinutes: 0 }) }),
    );
  });

  it('runs the check before production traffic at POST_TEST_TRAFFIC_SHIFT, through a role that may invoke only it', () => {
    // GIVEN / WHEN a service pinned to 1.2.3
    const { stack, gantry, template } = build({ image: `1.2.3@${DIGEST}` });
    const functionArn = stack.resolve(gantry.testTrafficCheck.functionArn);

    // THEN the service's one lifecycle hook is the function, at the stage where only test traffic reaches the new tasks
    template.hasResourceProperties(
      'AWS::ECS::Service',
      Match.objectLike({
        DeploymentConfiguration: Match.objectLike({
          LifecycleHooks: [
            {
              HookTargetArn: functionArn,
              LifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'],
              RoleArn: stack.resolve(gantry.testTrafficCheckHook.invoker.roleArn),
            },
          ],
        }),
      }),
    );
    // AND the invoker role is ECS's and may invoke that function and nothing else
    template.hasResourceProperties(
      'AWS::IAM::Policy',
      Match.objectLike({
        PolicyDocument: Match.objectLike({
          Statement: [{ Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: functionArn }],
        }),
        Roles: [stack.resolve(gantry.testTrafficCheckHook.invoker.roleName)],
      }),
    );
  });

  it('tells the check the version being deployed, the service and the ALB, and gives it time for its window', () => {
    // GIVEN / WHEN a service pinned to 1.2.3
    const { template } = build({ image: `1.2.3@${DIGEST}` });

    // THEN the bundled ARM Node 24 function checks orders 1.2.3 at the platform URL for 2 minutes, within its timeout
    template.hasResourceProperties(
      'AWS::Lambda::Function',
      Match.objectLike({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        Timeout: TEST_CHECK_WINDOW.toSeconds() + 30,
        Environment: {
          Variables: {
            [HOOK_ENV.platformUrl]: 'http://alb.example.com',
            [HOOK_ENV.service]: 'orders',
            [HOOK_ENV.prefix]: '/orders',
            [HOOK_ENV.version]: '1.2.3',
            [HOOK_ENV.windowSeconds]: '120',
            [HOOK_ENV.pauseSeconds]: '5',
          },
        },
      }),
    );
  });

  it('without an image, tells the check the version half of the SSM record, so it checks the release being deployed', () => {
    // GIVEN no image: CloudFormation splits /gantry/dev/images/orders at deploy time
    // WHEN the construct is synthesized
    const { template } = build();
    const record = { 'Fn::Split': ['@', { Ref: imageParameter(template) }] };

    // THEN the expected version is the record's first half, the same value as the task's version label
    template.hasResourceProperties(
      'AWS::Lambda::Function',
      Match.objectLike({
        Environment: { Variables: Match.objectLike({ [HOOK_ENV.version]: { 'Fn::Select': [0, record] } }) },
      }),
    );
  });

  it('bundles the hook offline at synth into a handler that passes only what the test route serves', async () => {
    // GIVEN a real server standing in for the ALB: the test header reaches orders 1.3.0, anything else 1.2.0
    const server = createServer((req, res) => {
      const version = req.headers[TEST_TRAFFIC_HEADER] === '1' ? '1.3.0' : '1.2.0';
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(req.url === '/orders/version' ? { version } : { status: 'ok' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const outdir = mkdtempSync(join(tmpdir(), 'gantry-hook-'));
    const saved = { ...process.env };
    try {
      // WHEN a service is synthesized with its assets, and the bundled handler is run as Lambda would run it
      const { stack, platform } = platformStack(new App({ outdir }));
      const gantry = new GantryService(stack, 'Orders', { entry: sampleEntry('orders', 3), platform, envName: 'dev' });
      const [code] = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function')).map(
        (fn) => fn.Properties.Code as { S3Key: string },
      );
      const bundle = join(outdir, `asset.${code.S3Key.replace(/\.zip$/, '')}`, 'index.js');
      expect(gantry.testTrafficCheckHook.function.runtime.name).toBe('nodejs24.x');
      const run = async (version: string) => {
        Object.assign(
          process.env,
          hookEnvironment({
            platformUrl: url,
            target: { service: 'orders', prefix: '/orders', version },
            windowSeconds: 0,
            pauseSeconds: 0,
          }),
        );
        const { handler } = require(bundle) as { handler: (event: object) => Promise<unknown> };
        return handler({ lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT' });
      };
      const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);

      // THEN it passes the version behind the test route, and fails the one production still serves
      expect(await run('1.3.0')).toEqual({ hookStatus: 'SUCCEEDED' });
      expect(await run('1.2.0')).toEqual({ hookStatus: 'FAILED' });
      log.mockRestore();
    } finally {
      process.env = saved;
      server.close();
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
