import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { databaseSecretName } from '@gantry/service-catalog';
import type { Construct } from 'constructs';
import { ServiceDatabase, type ServiceDatabaseProps } from './constructs/service-database';

export interface DataStackProps extends StackProps, ServiceDatabaseProps {}

/**
 * One catalog service's database (`stackNames(env).data(name)`). Deployed before the service's stack, which reads
 * its secret and adds its tasks to its security group; nothing here refers to the service stack, so there is no cycle.
 */
export class DataStack extends Stack {
  /** The RDS instance, its key, security group, secret and rotation. */
  public readonly database: ServiceDatabase;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    this.database = new ServiceDatabase(this, 'Database', props);
    new CfnOutput(this, 'Endpoint', {
      value: this.database.instance.dbInstanceEndpointAddress,
      description: `${props.entry.name}'s PostgreSQL host; its credentials are in the secret ${databaseSecretName(props.envName, props.entry.name)}`,
    });
  }
}
