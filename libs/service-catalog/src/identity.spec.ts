import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  bundlePath,
  deployedTag,
  imageReference,
  parameterArn,
  parameterNames,
  releaseTokenSecretName,
  repositoryName,
  stackNames,
} from './identity';
import { serviceVersion } from './service-version';

describe('service identity', () => {
  it('names the repository, image, bundle and stacks of a service', () => {
    expect(repositoryName('hello')).toBe('gantry/hello');
    expect(repositoryName('hello', 'team-a')).toBe('team-a/hello');
    expect(imageReference('127.0.0.1:5000', 'hello', '0.2.0')).toBe('127.0.0.1:5000/gantry/hello:0.2.0');
    expect(bundlePath('hello')).toBe('apps/hello/dist/main.js');
    const stacks = stackNames('prod');
    expect([stacks.network, stacks.platform, stacks.pipeline, stacks.service('hello')]).toEqual([
      'Gantry-prod-Network',
      'Gantry-prod-Platform',
      'Gantry-prod-Pipeline',
      'Gantry-prod-Service-hello',
    ]);
  });

  it('names the mutable ECR tag that marks what an environment runs, and its pattern for every environment', () => {
    // GIVEN / WHEN the prod environment and the wildcard
    // THEN the tag is deployed-prod, and deployed-* matches every environment's tag
    expect(deployedTag('prod')).toBe('deployed-prod');
    expect(deployedTag('*')).toBe('deployed-*');
  });

  it('puts every SSM parameter under the environment, and spells their ARNs', () => {
    const names = parameterNames('prod');

    expect([names.image('hello'), names.deploys('hello'), names.platformUrl, names.lastDeployedCommit]).toEqual([
      '/gantry/prod/images/hello',
      '/gantry/prod/deploys/hello',
      '/gantry/prod/platform/url',
      '/gantry/prod/pipeline/last-deployed-commit',
    ]);
    expect(parameterArn(names.image('*'), { partition: 'aws', region: 'eu-west-1', account: '123456789012' })).toBe(
      'arn:aws:ssm:eu-west-1:123456789012:parameter/gantry/prod/images/*',
    );
    expect(releaseTokenSecretName('prod')).toBe('gantry/prod/github-release-token');
  });
});

describe('serviceVersion', () => {
  const root = mkdtempSync(join(tmpdir(), 'service-version-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('reads the version from the service package.json, and names the file when it has none', () => {
    mkdirSync(join(root, 'apps/hello'), { recursive: true });
    writeFileSync(join(root, 'apps/hello/package.json'), JSON.stringify({ name: '@gantry/hello', version: '0.3.1' }));
    mkdirSync(join(root, 'apps/bare'), { recursive: true });
    writeFileSync(join(root, 'apps/bare/package.json'), JSON.stringify({ name: '@gantry/bare' }));

    expect(serviceVersion(root, 'hello')).toBe('0.3.1');
    expect(() => serviceVersion(root, 'bare')).toThrow('apps/bare/package.json has no version');
  });
});
