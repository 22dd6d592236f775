import { DEFAULT_MAX_AZS, defaultNatGateways, loadInfraConfig } from './config';

const context = (values: Record<string, unknown>) => ({ tryGetContext: (key: string) => values[key] });

describe('loadInfraConfig', () => {
  it('defaults to an offline-synthesizable dev environment', () => {
    // GIVEN no context / WHEN loaded / THEN explicit account, region and a single NAT
    const config = loadInfraConfig(context({}));
    expect(config).toMatchObject({
      account: '111111111111',
      region: 'eu-west-1',
      envName: 'dev',
      natGateways: 1,
      branch: 'main',
    });
    expect(config.certificateArn).toBeUndefined();
    expect(config.connectionArn).toMatch(/^arn:aws:codeconnections:eu-west-1:111111111111:connection\//);
  });

  it('reads values from context, converting the NAT count from a -c string', () => {
    // GIVEN context as `cdk -c` passes it (strings)
    const config = loadInfraConfig(
      context({
        envName: 'prod',
        natGateways: '2',
        certificateArn: 'arn:aws:acm:eu-west-1:222222222222:certificate/x-1',
        domainName: 'api.example.com',
      }),
    );
    // THEN the values are typed and kept
    expect(config).toMatchObject({
      envName: 'prod',
      natGateways: 2,
      certificateArn: 'arn:aws:acm:eu-west-1:222222222222:certificate/x-1',
      domainName: 'api.example.com',
    });
  });

  it('names every bad key in one message', () => {
    // GIVEN a bad account and NAT count / WHEN loaded / THEN both are named
    expect(() => loadInfraConfig(context({ account: '12', natGateways: 'many' }))).toThrow(
      /"account" must be a 12-digit.*"natGateways" must be an integer/,
    );
    expect(() => loadInfraConfig(context({ certificateArn: 'nope' }))).toThrow(
      /"certificateArn" must be an ACM certificate ARN/,
    );
    expect(() => loadInfraConfig(context({ domainName: 'https://API.example.com/' }))).toThrow(
      'context "domainName" must be a lower-case DNS host name like api.example.com, got "https://API.example.com/"',
    );
  });

  it('requires the domain name with a certificate, because TLS checks the name the certificate covers', () => {
    // GIVEN a certificate but no domain / WHEN loaded / THEN the message names domainName and why
    expect(() =>
      loadInfraConfig(context({ certificateArn: 'arn:aws:acm:eu-west-1:222222222222:certificate/x-1' })),
    ).toThrow('context "domainName" is required with "certificateArn"');
    // AND a domain without a certificate is fine (plain HTTP on a friendly name)
    expect(loadInfraConfig(context({ domainName: 'dev.example.com' })).domainName).toBe('dev.example.com');
  });

  it('fails outside dev without a certificate, naming both context keys and docs/deploy.md', () => {
    // GIVEN envName prod with no certificate, with a domain only, and dev with neither
    // WHEN / THEN prod fails with the keys to set and where the steps are; dev may stay plain HTTP
    const message =
      'envName "prod" is not "dev", so its public ALB must serve HTTPS: set context "certificateArn" ' +
      '(an ACM certificate in the same region) and "domainName" (the name it covers); see docs/deploy.md, "HTTPS outside dev"';
    expect(() => loadInfraConfig(context({ envName: 'prod' }))).toThrow(message);
    expect(() => loadInfraConfig(context({ envName: 'prod', domainName: 'api.example.com' }))).toThrow(message);
    expect(() => loadInfraConfig({ tryGetContext: () => undefined }, { envName: 'staging' })).toThrow(
      /envName "staging" is not "dev".*"certificateArn".*"domainName".*docs\/deploy\.md/,
    );
    expect(loadInfraConfig(context({ envName: 'dev' })).certificateArn).toBeUndefined();
  });

  it('gives every environment but dev one NAT gateway per AZ by default, and dev one', () => {
    // GIVEN prod with its certificate, and dev
    const https = {
      certificateArn: 'arn:aws:acm:eu-west-1:222222222222:certificate/x-1',
      domainName: 'api.example.com',
    };

    // WHEN loaded without natGateways / THEN prod gets one per AZ and dev one
    expect(defaultNatGateways('prod')).toBe(DEFAULT_MAX_AZS);
    expect(loadInfraConfig(context({ envName: 'prod', ...https })).natGateways).toBe(2);
    expect(loadInfraConfig({ tryGetContext: () => undefined }, { envName: 'prod', ...https }).natGateways).toBe(2);
    expect(loadInfraConfig(context({})).natGateways).toBe(1);
    // AND an explicit count still wins
    expect(loadInfraConfig(context({ envName: 'prod', natGateways: '1', ...https })).natGateways).toBe(1);
  });
});
