import { Duration, RemovalPolicy, ValidationError, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { DATABASE_SIZES, databaseSecretName, type Database, type ServiceEntry } from '@gantry/service-catalog';
import { Construct } from 'constructs';
import { errorName } from '../errors';

/** The newest PostgreSQL aws-cdk-lib 2.276.0 knows; RDS applies later minor versions in the maintenance window. */
export const DATABASE_ENGINE_VERSION = rds.PostgresEngineVersion.VER_18_3;
/** PostgreSQL's port in AWS (the catalog's `database.port` is for the local platform only). */
export const DATABASE_PORT = 5432;
/** The RDS logs each database exports to CloudWatch Logs. */
export const DATABASE_LOG_EXPORTS = ['postgresql', 'upgrade'] as const;
/** The master user whose generated password the secret holds, rotates and hands to the service. */
export const DEFAULT_ADMIN_USERNAME = 'gantry_admin';
export const DEFAULT_BACKUP_RETENTION = Duration.days(14);
export const DEFAULT_ROTATION_SCHEDULE = Duration.days(30);

/** What a service needs of its database: where the connection is, and the group its tasks must be let into. */
export interface ServiceDatabaseConnection {
  /** The RDS-generated secret: host, port, dbname, username, password. */
  readonly secret: secretsmanager.ISecret;
  /** The database's security group; the service's stack adds the rule letting its tasks in. */
  readonly securityGroup: ec2.ISecurityGroup;
  /** The port the database listens on. */
  readonly port: number;
}

/** The RDS instance identifier, `gantry-<env>-<service>`: its log groups are named after it. */
export function databaseInstanceIdentifier(envName: string, service: string): string {
  return `gantry-${envName}-${service}`;
}

export interface ServiceDatabaseProps {
  /** The catalog entry; its `database` block gives the database's name and size. */
  readonly entry: ServiceEntry;
  /** Environment name: part of the secret's name (`databaseSecretName`) and of the instance identifier. */
  readonly envName: string;
  /** The VPC the database and its rotation function run in. */
  readonly vpc: ec2.IVpc;
  /**
   * Where the instance goes: subnets in at least two AZs (RDS requires it, for a later failover).
   * @default { subnetType: ec2.SubnetType.PRIVATE_ISOLATED }
   */
  readonly subnets?: ec2.SubnetSelection;
  /**
   * Where the rotation function runs. It calls the Secrets Manager API, so these subnets need egress.
   * @default { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }
   */
  readonly rotationSubnets?: ec2.SubnetSelection;
  /**
   * How long automated backups (and so point-in-time recovery) reach back: 1 to 35 days.
   * @default DEFAULT_BACKUP_RETENTION (14 days)
   */
  readonly backupRetention?: Duration;
  /**
   * How often Secrets Manager rotates the password: 1 to 1000 days.
   * @default DEFAULT_ROTATION_SCHEDULE (30 days)
   */
  readonly rotationSchedule?: Duration;
  /**
   * The master user the secret holds.
   * @default DEFAULT_ADMIN_USERNAME
   */
  readonly adminUsername?: string;
  /**
   * Let IAM principals log in with `rds-db:connect` tokens as well as with the password.
   * @default false
   */
  readonly iamAuthentication?: boolean;
  /**
   * How long the exported RDS logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * One service's PostgreSQL database on RDS: a single instance sized from the catalog (`DATABASE_SIZES`), in isolated
 * subnets, encrypted with its own rotating KMS key, TLS only, backed up with point-in-time recovery, protected from
 * deletion and retained if CloudFormation ever lets go of it. Its master credentials are a generated secret named
 * `databaseSecretName(env, service)`, rotated on a schedule by a function in the private subnets. Its security group
 * admits the rotation function; the service's stack adds its own tasks.
 */
export class ServiceDatabase extends Construct implements ServiceDatabaseConnection {
  /** Encrypts the storage, its backups and snapshots. */
  public readonly key: kms.Key;
  /** Admits the database port from the rotation function and, through the service stack's rule, the service's tasks. */
  public readonly securityGroup: ec2.SecurityGroup;
  /** `rds.force_ssl = 1`: a client that does not use TLS is refused. */
  public readonly parameterGroup: rds.ParameterGroup;
  /** The exported RDS logs, one group per `DATABASE_LOG_EXPORTS` entry. */
  public readonly logGroups: logs.LogGroup[];
  public readonly instance: rds.DatabaseInstance;
  /** The generated master credentials, `databaseSecretName(env, service)`. */
  public readonly secret: secretsmanager.ISecret;
  /** Single-user rotation of `secret`, every `rotationSchedule`. */
  public readonly rotation: ReturnType<rds.DatabaseInstance['addRotationSingleUser']>;
  public readonly port = DATABASE_PORT;

  constructor(scope: Construct, id: string, props: ServiceDatabaseProps) {
    super(scope, id);
    const { entry, envName, vpc } = props;
    const invalid = (prop: string, message: string) =>
      new ValidationError(errorName(`ServiceDatabase${prop}`), `ServiceDatabase: ${message}`, this);
    if (!entry) throw invalid('Entry', 'props.entry is required');
    const database: Database | undefined = entry.database;
    if (!database)
      throw invalid(
        'Entry',
        `props.entry "${entry.name}" declares no database (add a "database" block to its service.json)`,
      );
    const sizing = DATABASE_SIZES[database.size];
    if (!sizing)
      throw invalid(
        'Size',
        `"${entry.name}" asks for database size "${database.size}"; sizes are ${Object.keys(DATABASE_SIZES).join(', ')}`,
      );
    const backupRetention = props.backupRetention ?? DEFAULT_BACKUP_RETENTION;
    const backupDays = backupRetention.toDays({ integral: false });
    if (!Number.isInteger(backupDays) || backupDays < 1 || backupDays > 35)
      throw invalid(
        'BackupRetention',
        `props.backupRetention must be whole days from 1 to 35 (0 would turn off point-in-time recovery), got ${backupRetention.toHumanString()}`,
      );
    const rotationSchedule = props.rotationSchedule ?? DEFAULT_ROTATION_SCHEDULE;
    const rotationDays = rotationSchedule.toDays({ integral: false });
    if (!Number.isInteger(rotationDays) || rotationDays < 1 || rotationDays > 1000)
      throw invalid(
        'RotationSchedule',
        `props.rotationSchedule must be whole days from 1 to 1000, got ${rotationSchedule.toHumanString()}`,
      );
    const adminUsername = props.adminUsername ?? DEFAULT_ADMIN_USERNAME;
    if (!/^[a-z][a-z0-9_]{0,62}$/.test(adminUsername) || adminUsername === 'rdsadmin')
      throw invalid(
        'AdminUsername',
        `props.adminUsername must be lower-case letters, digits and underscores (max 63, not "rdsadmin"), got "${adminUsername}"`,
      );
    const instanceIdentifier = databaseInstanceIdentifier(envName, entry.name);
    if (!/^[a-z](?!.*--)[a-z0-9-]{0,62}$/.test(instanceIdentifier) || instanceIdentifier.endsWith('-'))
      throw invalid(
        'Identifier',
        `the instance identifier "${instanceIdentifier}" (from envName and the service name) must be at most 63 letters, digits and single hyphens, not ending in one`,
      );
    const subnets = props.subnets ?? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
    const zones = vpc.selectSubnets(subnets).availabilityZones;
    // Deploy-time AZs are distinct tokens, so this counts them too.
    if (new Set(zones).size < 2)
      throw invalid(
        'Subnets',
        `props.subnets must span at least two AZs (an RDS subnet group needs two), got ${zones.length}`,
      );

    this.key = new kms.Key(this, 'Key', {
      description: `${entry.name} database (${envName}): storage, backups and snapshots`,
      enableKeyRotation: true,
      // Snapshots and retained backups are unreadable without it.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: `${entry.name} database: port ${DATABASE_PORT} from the ${entry.name} tasks and the rotation function only`,
      // A database starts no connections.
      allowAllOutbound: false,
    });

    const engine = rds.DatabaseInstanceEngine.postgres({ version: DATABASE_ENGINE_VERSION });
    this.parameterGroup = new rds.ParameterGroup(this, 'Parameters', {
      engine,
      description: `${entry.name} database: TLS only`,
      parameters: { 'rds.force_ssl': '1' },
    });

    // Created here, with a retention, before RDS creates them without one.
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    this.logGroups = DATABASE_LOG_EXPORTS.map(
      (type) =>
        new logs.LogGroup(this, `Logs-${type}`, {
          logGroupName: `/aws/rds/instance/${instanceIdentifier}/${type}`,
          retention: logRetention,
          // A retained instance goes on writing here.
          removalPolicy: RemovalPolicy.RETAIN,
        }),
    );

    this.instance = new rds.DatabaseInstance(this, 'Instance', {
      engine,
      instanceIdentifier,
      instanceType: new ec2.InstanceType(sizing.instanceClass.replace(/^db\./, '')),
      allocatedStorage: sizing.allocatedStorageGiB,
      maxAllocatedStorage: sizing.maxAllocatedStorageGiB,
      storageType: rds.StorageType.GP3,
      multiAz: sizing.multiAz,
      vpc,
      vpcSubnets: subnets,
      securityGroups: [this.securityGroup],
      publiclyAccessible: false,
      port: DATABASE_PORT,
      databaseName: database.name,
      credentials: rds.Credentials.fromGeneratedSecret(adminUsername, {
        secretName: databaseSecretName(envName, entry.name),
        // Secrets Manager's own key: with this.key, the grant to the service's execution role would land in the key
        // policy here and refer to the service stack, which is deployed after this one (a cycle).
      }),
      storageEncrypted: true,
      storageEncryptionKey: this.key,
      parameterGroup: this.parameterGroup,
      iamAuthentication: props.iamAuthentication ?? false,
      backupRetention,
      // Point-in-time recovery stays possible after a deletion, until the retention ends.
      deleteAutomatedBackups: false,
      copyTagsToSnapshot: true,
      cloudwatchLogsExports: [...DATABASE_LOG_EXPORTS],
      autoMinorVersionUpgrade: true,
      deletionProtection: true,
      // RETAIN, not SNAPSHOT: whatever CloudFormation does, the data stays live with its point-in-time window;
      // deleting a database is a person's decision (docs/deploy.md, "Databases").
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.instance.node.addDependency(...this.logGroups);
    // The attachment: its ARN is the secret's, and it exists once the secret holds the instance's host and port.
    this.secret = this.instance.secret as secretsmanager.ISecret;
    // The password of a retained instance must outlive the stack too.
    (this.instance.node.findChild('Secret') as rds.DatabaseSecret).applyRemovalPolicy(RemovalPolicy.RETAIN);

    // Adds the function's own group to this.securityGroup on the database port.
    this.rotation = this.instance.addRotationSingleUser({
      automaticallyAfter: rotationSchedule,
      vpcSubnets: props.rotationSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    });

    this.acknowledgeFindings(entry.name, sizing.multiAz);
  }

  private acknowledgeFindings(service: string, multiAz: boolean): void {
    if (!multiAz) {
      Validations.of(this.instance).acknowledge({
        id: 'AwsSolutions-RDS3',
        reason: `The catalog's "small" size is one instance in one AZ, chosen for cost; "medium" and "large" are multi-AZ. ${service}'s data is safe in its backups (point-in-time recovery); an AZ outage costs a restore, not data.`,
      });
    }
    Validations.of(this.instance).acknowledge({
      id: 'AwsSolutions-RDS11',
      reason:
        "The instance is in isolated subnets, and its security group admits only its service's tasks and the rotation function; a non-default port would hide nothing from them.",
    });
  }
}
