import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { NetworkStack } from './network-stack';

const env = { account: '111111111111', region: 'eu-west-1' };

describe('NetworkStack', () => {
  it('creates public, private and isolated database subnets with one NAT gateway by default', () => {
    // GIVEN a network stack with no NAT count
    const stack = new NetworkStack(new App(), 'Network', { env });

    // WHEN its template is read
    const template = Template.fromStack(stack);

    // THEN it has 2 public + 2 private + 2 database subnets, a single NAT gateway and flow logs
    template.resourceCountIs('AWS::EC2::Subnet', 6);
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

  it('keeps the public and private subnets where they were, and adds the database subnets after them', () => {
    // GIVEN the default network
    const template = Template.fromStack(new NetworkStack(new App(), 'Network', { env }));

    // WHEN its subnets' CIDR blocks are read by logical ID
    const cidrs = Object.fromEntries(
      Object.entries(template.findResources('AWS::EC2::Subnet')).map(([id, subnet]) => [
        id,
        subnet.Properties.CidrBlock,
      ]),
    );

    // THEN the existing subnets keep their blocks (a moved subnet would be replaced) and the new ones follow
    expect(cidrs).toEqual({
      VpcpublicSubnet1Subnet2BB74ED7: '10.0.0.0/24',
      VpcpublicSubnet2SubnetE34B022A: '10.0.1.0/24',
      VpcprivateSubnet1SubnetCEAD3716: '10.0.4.0/22',
      VpcprivateSubnet2Subnet2DE7549C: '10.0.8.0/22',
      VpcdatabaseSubnet1SubnetD53A427B: '10.0.12.0/24',
      VpcdatabaseSubnet2Subnet75663D63: '10.0.13.0/24',
    });
  });

  it('gives the database subnets no route out: no internet gateway, no NAT', () => {
    // GIVEN the default network
    const stack = new NetworkStack(new App(), 'Network', { env });
    const template = Template.fromStack(stack);

    // WHEN its databaseSubnets are selected
    const selected = stack.vpc.selectSubnets(stack.databaseSubnets);

    // THEN they are the two isolated subnets, in two AZs, not mapping public IPs
    expect(selected.subnets).toHaveLength(2);
    expect(selected.subnets).toEqual(stack.vpc.isolatedSubnets);
    expect(new Set(selected.availabilityZones).size).toBe(2);
    // AND no route of any route table of theirs leads anywhere
    const tables = selected.subnets.map((subnet) => stack.resolve(subnet.routeTable.routeTableId));
    const routes = Object.values(template.findResources('AWS::EC2::Route')).map((route) => route.Properties);
    expect(
      routes.filter((route) => tables.some((table) => JSON.stringify(table) === JSON.stringify(route.RouteTableId))),
    ).toEqual([]);
    // AND the private subnets still have their NAT route, so the check above can see routes
    expect(routes.some((route) => route.NatGatewayId !== undefined)).toBe(true);
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
