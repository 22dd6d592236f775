import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { loadCatalog, SHUTDOWN_TIMING } from '@gantry/service-catalog';
import { sampleEntry } from '@gantry/service-catalog/testing';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetworkStack } from './network-stack';
import { PlatformStack } from './platform-stack';
import { importedPeer, ServiceStack, taskSecurityGroupExportName, type ServiceStackProps } from './service-stack';

const env = { account: '111111111111', region: 'eu-west-1' };
/** The service the sample entry calls: catalog on 3102. */
const catalog = sampleEntry('catalog', 2);

function build(overrides: Partial<ServiceStackProps> = {}, entry = sampleEntry('orders', 3)) {
  const app = new App();
  const network = new NetworkStack(app, 'Network', { env });
  const platform = new PlatformStack(app, 'Platform', { env, vpc: network.vpc });
  const stack = new ServiceStack(app, `Service-${entry.name}`, { env, entry, platform, envName: 'dev', ...overrides });
  return { app, platform, stack, template: Template.fromStack(stack) };
}

describe('ServiceStack', () => {
  // One synth shared by the read-only cases below: synth is the slow part.
  const entry = sampleEntry('orders', 3, {
    env: { CATALOG_URL: '${service:catalog}', MODE: 'fast' },
    secrets: {
      DB_PASSWORD: { ssmParameter: '/gantry/dev/orders/db-password' },
      API_KEY: { secretsManager: 'gantry/orders/api', field: 'key' },
    },
    minTasks: 2,
    maxTasks: 6,
  });
  const { stack, platform, template } = build({ image: '1.2.3', callees: [importedPeer('dev', catalog)] }, entry);
  const ownGroup = stack.resolve(stack.gantryService.securityGroup.securityGroupId);

  it('accepts traffic into its tasks only from the ALB security group on the service port', () => {
    // GIVEN / WHEN the same stack
    // THEN the only ingress rule into its own group is from the ALB SG on 3103
    const ingress = template.findResources('AWS::EC2::SecurityGroupIngress');
    const inline = template.findResources('AWS::EC2::SecurityGroup');
    expect(Object.values(inline).flatMap((sg) => sg.Properties.SecurityGroupIngress ?? [])).toEqual([]);
    const rules = Object.values(ingress)
      .map((r) => r.Properties)
      .filter((rule) => JSON.stringify(rule.GroupId) === JSON.stringify(ownGroup));
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({ IpProtocol: 'tcp', FromPort: 3103, ToPort: 3103 });
    expect(rules[0].CidrIp).toBeUndefined();
    expect(stack.resolve(rules[0].SourceSecurityGroupId)).toEqual(
      stack.resolve(platform.albSecurityGroup.securityGroupId),
    );
  });

  it("adds its tasks to the imported task security group of the service it calls, on that service's port", () => {
    // GIVEN / WHEN the same stack, whose env calls catalog (port 3102)
    // THEN one rule lets this stack's tasks into catalog's group, found by catalog's export
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::ImportValue': 'Gantry-dev-Service-catalog-TaskSecurityGroupId' },
      SourceSecurityGroupId: ownGroup,
      IpProtocol: 'tcp',
      FromPort: 3102,
      ToPort: 3102,
      Description: 'orders to catalog through Service Connect',
    });
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 2);
    expect(taskSecurityGroupExportName('dev', 'catalog')).toBe('Gantry-dev-Service-catalog-TaskSecurityGroupId');
  });

  it('exports its task security group under its fixed name, for the stacks of the services that call it', () => {
    // GIVEN / WHEN the same stack
    // THEN the output exports the group id as Gantry-dev-Service-orders-TaskSecurityGroupId
    template.hasOutput('TaskSecurityGroupId', {
      Value: ownGroup,
      Export: { Name: taskSecurityGroupExportName('dev', 'orders') },
    });
  });

  it('deploys blue/green with a 5-minute bake, the circuit breaker and its two alarms rolling back, 100/200 health, in private subnets', () => {
    // GIVEN / WHEN the same stack
    // THEN the Fargate service has the deploy safety settings, under CloudFormation's names for them
    template.hasResourceProperties(
      'AWS::ECS::Service',
      Match.objectLike({
        LaunchType: 'FARGATE',
        DesiredCount: Match.absent(),
        EnableExecuteCommand: false,
        HealthCheckGracePeriodSeconds: 60,
        DeploymentController: { Type: 'ECS' },
        DeploymentConfiguration: Match.objectLike({
          Strategy: 'BLUE_GREEN',
          BakeTimeInMinutes: 5,
          DeploymentCircuitBreaker: { Enable: true, Rollback: true },
          Alarms: {
            AlarmNames: ['Service-orders-target-5xx', 'Service-orders-p99-latency'],
            Enable: true,
            Rollback: true,
          },
          LifecycleHooks: [Match.objectLike({ LifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'] })],
          MinimumHealthyPercent: 100,
          MaximumPercent: 200,
        }),
        NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED' }) },
      }),
    );
    // AND the alarms exist before the service starts a deployment that reads them
    const [service] = Object.values(template.findResources('AWS::ECS::Service'));
    const alarmIds = Object.keys(template.findResources('AWS::CloudWatch::Alarm'));
    expect(service.DependsOn).toEqual(expect.arrayContaining(alarmIds.filter((id) => !/Unhealthy/.test(id))));
  });

  it('deploys as the deployment block of service.json says', () => {
    // GIVEN a workspace whose apps/orders/service.json asks for linear deploys with a 12-minute bake
    const root = mkdtempSync(join(tmpdir(), 'gantry-catalog-'));
    try {
      mkdirSync(join(root, 'apps', 'orders'), { recursive: true });
      const raw = { ...sampleEntry('orders', 3), deployment: { strategy: 'linear', bakeMinutes: 12 } };
      writeFileSync(join(root, 'apps', 'orders', 'service.json'), JSON.stringify(raw));
      const [fromFile] = loadCatalog(root);

      // WHEN its stack is synthesized
      const linear = build({ image: '1.2.3' }, fromFile).template;

      // THEN the service deploys LINEAR and bakes 12 minutes
      linear.hasResourceProperties(
        'AWS::ECS::Service',
        Match.objectLike({
          DeploymentConfiguration: Match.objectLike({ Strategy: 'LINEAR', BakeTimeInMinutes: 12 }),
        }),
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('runs an ARM64 read-only non-root container with stop timeout, env and secrets, and no container health check', () => {
    // GIVEN / WHEN the same stack
    // THEN the task definition follows the runtime contract
    template.hasResourceProperties(
      'AWS::ECS::TaskDefinition',
      Match.objectLike({
        Cpu: '256',
        Memory: '512',
        RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
        ContainerDefinitions: [
          Match.objectLike({
            User: 'node',
            ReadonlyRootFilesystem: true,
            StopTimeout: SHUTDOWN_TIMING.stopTimeoutSeconds,
            HealthCheck: Match.absent(),
            PortMappings: [Match.objectLike({ ContainerPort: 3103 })],
            Environment: Match.arrayWith([
              { Name: 'MODE', Value: 'fast' },
              { Name: 'PORT', Value: '3103' },
            ]),
            Secrets: Match.arrayWith([
              Match.objectLike({ Name: 'DB_PASSWORD' }),
              Match.objectLike({ Name: 'API_KEY' }),
            ]),
            LogConfiguration: Match.objectLike({ LogDriver: 'awslogs' }),
          }),
        ],
      }),
    );
    template.hasResourceProperties('AWS::Logs::LogGroup', Match.objectLike({ RetentionInDays: 30 }));
  });

  it('resolves ${service:x} env references to the Service Connect name and port, not the ALB', () => {
    // GIVEN an entry whose CATALOG_URL is ${service:catalog}
    // WHEN the stack is synthesized
    const container = Object.values(template.findResources('AWS::ECS::TaskDefinition'))[0].Properties
      .ContainerDefinitions[0];

    // THEN it is catalog's name and port inside the VPC, and no env value imports anything from the platform
    expect(container.Environment).toContainEqual({ Name: 'CATALOG_URL', Value: 'http://catalog:3102' });
    expect(JSON.stringify(container.Environment)).not.toMatch(/ImportValue|Alb/);
  });

  it('resolves ${service:x} inside the VPC even when the platform serves HTTPS on a domain', () => {
    // GIVEN a platform with a certificate for api.example.com
    const app = new App();
    const network = new NetworkStack(app, 'Network', { env });
    const certificateArn = 'arn:aws:acm:eu-west-1:111111111111:certificate/abc-123';
    const https = new PlatformStack(app, 'Platform', {
      env,
      vpc: network.vpc,
      certificateArn,
      domainName: 'api.example.com',
    });

    // WHEN the service stack is synthesized on it
    const service = new ServiceStack(app, 'Service-orders', {
      env,
      entry,
      platform: https,
      envName: 'dev',
      image: '1.2.3',
      callees: [importedPeer('dev', catalog)],
    });
    const container = Object.values(Template.fromStack(service).findResources('AWS::ECS::TaskDefinition'))[0].Properties
      .ContainerDefinitions[0];

    // THEN CATALOG_URL is still catalog's Service Connect address: the public HTTPS name is for callers outside
    expect(container.Environment).toContainEqual({ Name: 'CATALOG_URL', Value: 'http://catalog:3102' });
  });

  it('creates no ECR repository of its own, and pulls from gantry/orders', () => {
    // GIVEN / WHEN the same stack
    // THEN the repository comes from the pipeline stack; the task pulls gantry/orders by name
    template.resourceCountIs('AWS::ECR::Repository', 0);
    expect(
      JSON.stringify(
        Object.values(template.findResources('AWS::ECS::TaskDefinition'))[0].Properties.ContainerDefinitions[0].Image,
      ),
    ).toContain('gantry/orders');
  });

  it('scales on CPU and request count per target within the catalog bounds, and alarms on 5xx, unhealthy hosts and latency', () => {
    // GIVEN / WHEN the same stack
    // THEN min/max come from the entry, with a CPU policy and a request policy per target group, and three alarms
    template.hasResourceProperties(
      'AWS::ApplicationAutoScaling::ScalableTarget',
      Match.objectLike({ MinCapacity: 2, MaxCapacity: 6 }),
    );
    template.hasResourceProperties(
      'AWS::ApplicationAutoScaling::ScalingPolicy',
      Match.objectLike({
        TargetTrackingScalingPolicyConfiguration: Match.objectLike({
          PredefinedMetricSpecification: Match.objectLike({ PredefinedMetricType: 'ECSServiceAverageCPUUtilization' }),
        }),
      }),
    );
    const requestPolicies = template.findResources('AWS::ApplicationAutoScaling::ScalingPolicy', {
      Properties: {
        TargetTrackingScalingPolicyConfiguration: {
          PredefinedMetricSpecification: { PredefinedMetricType: 'ALBRequestCountPerTarget' },
        },
      },
    });
    expect(Object.keys(requestPolicies)).toHaveLength(2);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    const metricNames = JSON.stringify(template.findResources('AWS::CloudWatch::Alarm'));
    for (const metric of ['HTTPCode_Target_5XX_Count', 'RequestCount', 'UnHealthyHostCount', 'TargetResponseTime']) {
      expect(metricNames).toContain(`"MetricName":"${metric}"`);
    }
  });

  it("notifies the platform's alarm topic from every alarm, when it fires and when it clears", () => {
    // GIVEN / WHEN the same stack
    // THEN each alarm's ALARM and OK actions are the topic the platform stack exports
    const topic = stack.resolve(platform.alarmTopic.topicArn);
    expect(JSON.stringify(topic)).toMatch(/Fn::ImportValue.*AlarmTopic/);
    template.allResourcesProperties(
      'AWS::CloudWatch::Alarm',
      Match.objectLike({ AlarmActions: [topic], OKActions: [topic], ActionsEnabled: Match.absent() }),
    );
  });

  it('has a dashboard named after the stack, showing the alarms, both target groups, the tasks and the hook', () => {
    // GIVEN / WHEN the same stack
    // THEN there is one dashboard, Service-orders, built by cdk-monitoring-constructs from those resources
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', Match.objectLike({ DashboardName: 'Service-orders' }));
    const body = JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]);
    for (const widget of ['Alarms', 'Requests per minute', 'orders tasks', 'orders: check before production traffic']) {
      expect(body).toContain(widget);
    }
    expect(body).toMatch(/AlternateTargetGroup/);
  });
});
