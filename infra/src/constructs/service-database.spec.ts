import { App, Duration, Stack, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { type Database } from '@gantry/service-catalog';
import { sampleEntry } from '@gantry/service-catalog/testing';
import { DATABASE_ENGINE_VERSION, ServiceDatabase, type ServiceDatabaseProps } from './service-database';

const database = (size: Database['size'] = 'small'): Database => ({
  engine: 'postgres',
  name: 'orders',
  port: 5433,
  size,
});

/** A fresh stack with a VPC of public, private (NAT) and isolated subnets over two AZs. */
function vpcStack(maxAzs = 2) {
  const stack = new Stack(new App(), 'Data', { env: { account: '111111111111', region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    natGateways: 1,
    availabilityZones: ['eu-west-1a', 'eu-west-1b'].slice(0, maxAzs),
    subnetConfiguration: [
      { name: 'public', subnetType: ec2.SubnetType.PUBLIC },
      { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      { name: 'database', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    ],
  });
  return { stack, vpc };
}

function build(overrides: Partial<ServiceDatabaseProps> = {}, size: Database['size'] = 'small') {
  const { stack, vpc } = vpcStack();
  const db = new ServiceDatabase(stack, 'Database', {
    entry: sampleEntry('orders', 3, { database: database(size) }),
    envName: 'dev',
    vpc,
    ...overrides,
  });
  return { stack, vpc, db, template: Template.fromStack(stack) };
}

describe('ServiceDatabase', () => {
  // One synth shared by the read-only cases below.
  const { stack, vpc, db, template } = build();
  const ref = (value: string) => stack.resolve(value);
  const instance = () => Object.values(template.findResources('AWS::RDS::DBInstance'))[0];

  it('runs one PostgreSQL instance of the catalog size, encrypted with its own rotating key, TLS only', () => {
    // GIVEN / WHEN a "small" database
    // THEN there is exactly one instance: db.t4g.micro, 20 GiB growing to 100, single-AZ, the newest PostgreSQL
    template.resourceCountIs('AWS::RDS::DBInstance', 1);
    template.hasResourceProperties(
      'AWS::RDS::DBInstance',
      Match.objectLike({
        Engine: 'postgres',
        EngineVersion: DATABASE_ENGINE_VERSION.postgresFullVersion,
        DBInstanceClass: 'db.t4g.micro',
        AllocatedStorage: '20',
        MaxAllocatedStorage: 100,
        MultiAZ: false,
        DBName: 'orders',
        DBInstanceIdentifier: 'gantry-dev-orders',
        Port: '5432',
        PubliclyAccessible: false,
        // AND its storage is encrypted with the customer-managed key, whose rotation is on
        StorageEncrypted: true,
        KmsKeyId: ref(db.key.keyArn),
      }),
    );
    expect(instance().Properties.DBParameterGroupName).toEqual({ Ref: expect.stringMatching(/^DatabaseParameters/) });
    expect(DATABASE_ENGINE_VERSION.postgresFullVersion).toBe('18.3');
    template.hasResourceProperties('AWS::KMS::Key', Match.objectLike({ EnableKeyRotation: true }));
    template.hasResourceProperties(
      'AWS::RDS::DBParameterGroup',
      Match.objectLike({ Family: 'postgres18', Parameters: { 'rds.force_ssl': '1' } }),
    );
  });

  it('keeps 14 days of point-in-time backups, copies tags to snapshots, exports its logs and refuses deletion', () => {
    // GIVEN / WHEN the same database
    // THEN backups reach back 14 days and survive a deletion, and deletion protection is on
    expect(instance().Properties).toMatchObject({
      BackupRetentionPeriod: 14,
      DeleteAutomatedBackups: false,
      CopyTagsToSnapshot: true,
      DeletionProtection: true,
      EnableCloudwatchLogsExports: ['postgresql', 'upgrade'],
      EnableIAMDatabaseAuthentication: false,
    });
    // AND its log groups exist first, with a retention, under RDS's names
    for (const type of ['postgresql', 'upgrade']) {
      template.hasResource('AWS::Logs::LogGroup', {
        Properties: { LogGroupName: `/aws/rds/instance/gantry-dev-orders/${type}`, RetentionInDays: 30 },
        DeletionPolicy: 'Retain',
      });
    }
    expect(instance().DependsOn).toEqual(
      expect.arrayContaining(db.logGroups.map((group) => stack.getLogicalId(group.node.defaultChild as CfnElement))),
    );
  });

  it('retains the instance, its key and its secret whatever CloudFormation does', () => {
    // GIVEN / WHEN the same database
    // THEN a stack deletion or replacement leaves all three in place
    for (const type of ['AWS::RDS::DBInstance', 'AWS::KMS::Key', 'AWS::SecretsManager::Secret']) {
      template.allResources(type, { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    }
  });

  it('places the instance in the isolated subnets only', () => {
    // GIVEN / WHEN the same database
    // THEN its subnet group holds exactly the VPC's isolated subnets, which have no route out
    template.hasResourceProperties('AWS::RDS::DBSubnetGroup', {
      DBSubnetGroupDescription: Match.anyValue(),
      SubnetIds: vpc.isolatedSubnets.map((subnet) => ref(subnet.subnetId)),
    });
    expect(vpc.isolatedSubnets).toHaveLength(2);
  });

  it('keeps its credentials in gantry/<env>/<service>/database, rotated every 30 days from the private subnets', () => {
    // GIVEN / WHEN the same database
    // THEN the generated secret has the catalog's name and the admin user
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    template.hasResourceProperties(
      'AWS::SecretsManager::Secret',
      Match.objectLike({
        Name: 'gantry/dev/orders/database',
        GenerateSecretString: Match.objectLike({ SecretStringTemplate: '{"username":"gantry_admin"}' }),
      }),
    );
    // AND one rotation schedule turns it every 30 days
    template.resourceCountIs('AWS::SecretsManager::RotationSchedule', 1);
    template.hasResourceProperties(
      'AWS::SecretsManager::RotationSchedule',
      Match.objectLike({ RotationRules: { ScheduleExpression: 'rate(30 days)' } }),
    );
    // AND the rotation function runs in the private subnets, whose NAT reaches Secrets Manager
    const [rotation] = Object.values(template.findResources('AWS::Serverless::Application'));
    expect(JSON.stringify(rotation.Properties.Parameters.vpcSubnetIds)).toEqual(
      JSON.stringify({
        'Fn::Join': ['', [ref(vpc.privateSubnets[0].subnetId), ',', ref(vpc.privateSubnets[1].subnetId)]],
      }),
    );
  });

  it('admits the database port from the rotation function only, and sends nothing out', () => {
    // GIVEN / WHEN the same database (the service stack adds its own tasks' rule)
    const ownGroup = JSON.stringify(ref(db.securityGroup.securityGroupId));
    const rules = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress'))
      .map((rule) => rule.Properties)
      .filter((rule) => JSON.stringify(rule.GroupId) === ownGroup);

    // THEN the one rule into it comes from the rotation function's group, on the instance's port, from no CIDR
    expect(rules).toHaveLength(1);
    expect(rules[0].CidrIp).toBeUndefined();
    expect(rules[0].SourceSecurityGroupId).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^DatabaseInstanceRotationSingleUserSecurityGroup/), 'GroupId'],
    });
    // AND the group itself has no inline ingress and no egress but CDK's placeholder that matches nothing
    const [group] = Object.values(
      template.findResources('AWS::EC2::SecurityGroup', {
        Properties: { GroupDescription: Match.stringLikeRegexp('^orders database') },
      }),
    );
    expect(group.Properties.SecurityGroupIngress).toBeUndefined();
    expect(group.Properties.SecurityGroupEgress).toEqual([
      expect.objectContaining({ CidrIp: '255.255.255.255/32', Description: 'Disallow all traffic' }),
    ]);
  });

  it('exposes the instance, secret, security group and port a service stack needs', () => {
    expect(db.instance.node.id).toBe('Instance');
    expect(ref(db.secret.secretArn)).toEqual({ Ref: expect.stringMatching(/^DatabaseInstanceSecretAttachment/) });
    expect(db.securityGroup).toBeInstanceOf(ec2.SecurityGroup);
    expect(db.port).toBe(5432);
  });

  it('runs "medium" as a multi-AZ db.t4g.medium', () => {
    // GIVEN a "medium" database
    // WHEN it is synthesized
    const medium = build({}, 'medium').template;

    // THEN the instance is multi-AZ with the medium sizing
    medium.hasResourceProperties(
      'AWS::RDS::DBInstance',
      Match.objectLike({
        DBInstanceClass: 'db.t4g.medium',
        MultiAZ: true,
        AllocatedStorage: '50',
        MaxAllocatedStorage: 500,
      }),
    );
  });

  it('takes other backup and rotation periods and IAM authentication', () => {
    // GIVEN 7 days of backups, rotation every 7 days, IAM authentication
    // WHEN synthesized
    const custom = build({
      backupRetention: Duration.days(7),
      rotationSchedule: Duration.days(7),
      iamAuthentication: true,
    }).template;

    // THEN the instance and the schedule say so
    custom.hasResourceProperties(
      'AWS::RDS::DBInstance',
      Match.objectLike({ BackupRetentionPeriod: 7, EnableIAMDatabaseAuthentication: true }),
    );
    custom.hasResourceProperties(
      'AWS::SecretsManager::RotationSchedule',
      Match.objectLike({ RotationRules: { ScheduleExpression: 'rate(7 days)' } }),
    );
  });

  it('throws a ValidationError naming the prop for a service without a database, and for bad periods, users or subnets', () => {
    const entry = sampleEntry('orders', 3, { database: database() });
    const attempt =
      (props: Partial<ServiceDatabaseProps>, maxAzs = 2) =>
      () => {
        const { stack: s, vpc: v } = vpcStack(maxAzs);
        new ServiceDatabase(s, 'Database', { entry, envName: 'dev', vpc: v, ...props });
      };
    expect(attempt({ entry: sampleEntry('hello', 1) })).toThrow(/props\.entry "hello" declares no database/);
    expect(attempt({ backupRetention: Duration.days(0) })).toThrow(
      /props\.backupRetention must be whole days from 1 to 35/,
    );
    expect(attempt({ backupRetention: Duration.days(36) })).toThrow(/props\.backupRetention/);
    expect(attempt({ rotationSchedule: Duration.hours(12) })).toThrow(/props\.rotationSchedule must be whole days/);
    expect(attempt({ adminUsername: 'Admin-User' })).toThrow(/props\.adminUsername must be lower-case/);
    expect(attempt({ envName: 'dev-' })).toThrow(/instance identifier "gantry-dev--orders"/);
    expect(attempt({}, 1)).toThrow(/props\.subnets must span at least two AZs/);
  });
});
