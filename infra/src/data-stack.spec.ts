import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { sampleEntry } from '@gantry/service-catalog/testing';
import { DataStack } from './data-stack';
import { NetworkStack } from './network-stack';

const env = { account: '111111111111', region: 'eu-west-1' };

describe('DataStack', () => {
  it("holds one service's database in the network's database subnets, and outputs its host", () => {
    // GIVEN a network and an entry declaring a database
    const app = new App();
    const network = new NetworkStack(app, 'Network', { env });
    const entry = sampleEntry('orders', 3, {
      database: { engine: 'postgres', name: 'orders', port: 5433, size: 'small' },
    });

    // WHEN its Data stack is synthesized
    const stack = new DataStack(app, 'Gantry-dev-Data-orders', {
      env,
      entry,
      envName: 'dev',
      vpc: network.vpc,
      subnets: network.databaseSubnets,
    });
    const template = Template.fromStack(stack);

    // THEN it holds exactly one instance and one secret, depends on the network, and outputs the endpoint
    template.resourceCountIs('AWS::RDS::DBInstance', 1);
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    expect(stack.dependencies).toEqual([network]);
    template.hasOutput(
      'Endpoint',
      Match.objectLike({
        Value: stack.resolve(stack.database.instance.dbInstanceEndpointAddress),
        Description: Match.stringLikeRegexp('gantry/dev/orders/database'),
      }),
    );
  });

  it('refuses an entry without a database, naming it', () => {
    const app = new App();
    const network = new NetworkStack(app, 'Network', { env });
    expect(
      () => new DataStack(app, 'Data', { env, entry: sampleEntry('hello', 1), envName: 'dev', vpc: network.vpc }),
    ).toThrow(/props\.entry "hello" declares no database/);
  });
});
