import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { NetworkStack } from './network-stack';

const env = { account: '111111111111', region: 'eu-west-1' };

describe('NetworkStack', () => {
  it('creates public and private subnets with one NAT gateway by default', () => {
    // GIVEN a network stack with no NAT count
    const stack = new NetworkStack(new App(), 'Network', { env });

    // WHEN its template is read
    const template = Template.fromStack(stack);

    // THEN it has 2 public + 2 private subnets, a single NAT gateway and flow logs
    template.resourceCountIs('AWS::EC2::Subnet', 4);
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    template.hasResourceProperties('AWS::EC2::Subnet', Match.objectLike({ MapPublicIpOnLaunch: true }));
    template.hasResourceProperties('AWS::EC2::Subnet', Match.objectLike({ MapPublicIpOnLaunch: false }));
    template.resourceCountIs('AWS::EC2::FlowLog', 1);
    // AND the AZs are chosen by CloudFormation, so synth needs no lookup
    template.hasResourceProperties(
      'AWS::EC2::Subnet',
      Match.objectLike({ AvailabilityZone: { 'Fn::Select': [1, { 'Fn::GetAZs': '' }] } }),
    );
    expect(stack.node.metadata.filter((m) => m.type === 'aws:cdk:error')).toEqual([]);
  });

  it('creates one NAT gateway per AZ when asked', () => {
    // GIVEN natGateways 2
    const stack = new NetworkStack(new App(), 'Network', { env, natGateways: 2 });

    // WHEN / THEN there are two NAT gateways
    Template.fromStack(stack).resourceCountIs('AWS::EC2::NatGateway', 2);
  });

  it('rejects zero NAT gateways and env-agnostic stacks with clear messages', () => {
    // GIVEN / WHEN natGateways 0 / THEN it throws naming the property
    expect(() => new NetworkStack(new App(), 'Network', { env, natGateways: 0 })).toThrow(
      /natGateways must be an integer of at least 1/,
    );
    expect(() => new NetworkStack(new App(), 'Network', {})).toThrow(/explicit env/);
  });
});
