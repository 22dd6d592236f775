import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { PipelineStack } from './pipeline-stack';

const env = { account: '111111111111', region: 'eu-west-1' };
const CONNECTION = 'arn:aws:codeconnections:eu-west-1:111111111111:connection/abc';

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown };

describe('PipelineStack', () => {
  // GIVEN one pipeline for services hello and pricing, shared by the read-only cases
  const stack = new PipelineStack(new App(), 'Pipeline', {
    env,
    envName: 'dev',
    services: ['hello', 'pricing'],
    connectionArn: CONNECTION,
    githubOwner: 'acme',
    githubRepo: 'gantry',
  });
  const template = Template.fromStack(stack);
  const buildPolicy = (): Statement[] => {
    const roleId = stack.getLogicalId(stack.buildRole.node.defaultChild as never);
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p.Properties.Roles).includes(stack.resolve(roleId)),
    );
    return policies.flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
  };
  const bySid = (sid: string) => {
    const statement = buildPolicy().find((s) => s.Sid === sid);
    if (!statement) throw new Error(`no statement ${sid}`);
    return statement;
  };

  it('is a V2 pipeline, queued, triggered by pushes to main from a full clone', () => {
    // WHEN its template is read
    // THEN the pipeline is V2 QUEUED with a push trigger on main and CODEBUILD_CLONE_REF output
    template.hasResourceProperties(
      'AWS::CodePipeline::Pipeline',
      Match.objectLike({
        PipelineType: 'V2',
        ExecutionMode: 'QUEUED',
        Triggers: [
          Match.objectLike({
            ProviderType: 'CodeStarSourceConnection',
            GitConfiguration: Match.objectLike({ Push: [{ Branches: { Includes: ['main'] } }] }),
          }),
        ],
        Stages: Match.arrayWith([
          Match.objectLike({
            Name: 'Source',
            Actions: [
              Match.objectLike({
                Configuration: Match.objectLike({
                  ConnectionArn: CONNECTION,
                  FullRepositoryId: 'acme/gantry',
                  BranchName: 'main',
                  OutputArtifactFormat: 'CODEBUILD_CLONE_REF',
                }),
              }),
            ],
          }),
        ]),
      }),
    );
  });

  it('runs buildspec.yml privileged with the gantry env vars and read-write cache', () => {
    // THEN the CodeBuild project carries the contract of tools/pipeline
    template.hasResourceProperties(
      'AWS::CodeBuild::Project',
      Match.objectLike({
        Source: Match.objectLike({ BuildSpec: 'buildspec.yml' }),
        Environment: Match.objectLike({
          PrivilegedMode: true,
          Type: 'ARM_CONTAINER',
        }),
      }),
    );
    const project = Object.values(template.findResources('AWS::CodeBuild::Project'))[0];
    const vars = Object.fromEntries(
      (project.Properties.Environment.EnvironmentVariables as Array<{ Name: string; Value: unknown }>).map((v) => [
        v.Name,
        stack.resolve(v.Value),
      ]),
    );
    expect(vars).toMatchObject({
      GANTRY_CACHE_MODE: 'read-write',
      GANTRY_REPOSITORY_PREFIX: 'gantry',
      GANTRY_CACHE_PREFIX: 'nx-cache/',
      GANTRY_CACHE_REGION: 'eu-west-1',
      GANTRY_REGISTRY: '111111111111.dkr.ecr.eu-west-1.amazonaws.com',
      GANTRY_CACHE_BUCKET: { Ref: stack.resolve(stack.getLogicalId(stack.cacheBucket.node.defaultChild as never)) },
      GANTRY_BASE_PARAMETER: { Ref: stack.resolve(stack.getLogicalId(stack.baseParameter.node.defaultChild as never)) },
      GANTRY_RELEASE_BRANCH: 'main',
      GANTRY_DEPLOY: 'cdk',
      GANTRY_RELEASE_REMOTE: 'https://github.com/acme/gantry.git',
    });
  });

  it('lets the build deploy only through the CDK bootstrap roles and record image tags under its environment', () => {
    // THEN sts:AssumeRole names exactly the three bootstrap roles, and SSM writes stay under /gantry/dev/images/
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (policy) =>
        policy.Properties.PolicyDocument.Statement as Array<{ Sid?: string; Action: unknown; Resource: unknown }>,
    );
    const assume = statements.find((statement) => statement.Sid === 'CdkDeployThroughBootstrapRoles');
    expect(stack.resolve(assume?.Resource)).toEqual(
      ['deploy', 'file-publishing', 'lookup'].map((kind) => ({
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            `:iam::111111111111:role/cdk-hnb659fds-${kind}-role-111111111111-eu-west-1`,
          ],
        ],
      })),
    );
    const record = statements.find((statement) => statement.Sid === 'RecordDeployedImages');
    expect(record?.Action).toEqual(['ssm:PutParameter', 'ssm:GetParameter']);
    expect(JSON.stringify(stack.resolve(record?.Resource))).toContain(':parameter/gantry/dev/images/*');
    expect(JSON.stringify(stack.resolve(record?.Resource))).toContain(':parameter/gantry/dev/deploys/*');
  });

  it('lets the smoke test read the platform URL parameter, and no other', () => {
    // THEN the grant is the ARN of /gantry/dev/platform/url in this stack's partition
    expect(stack.resolve(bySid('ReadPlatformUrlForSmokeTest').Resource)).toEqual({
      'Fn::Join': [
        '',
        ['arn:', { Ref: 'AWS::Partition' }, ':ssm:eu-west-1:111111111111:parameter/gantry/dev/platform/url'],
      ],
    });
    expect(bySid('ReadPlatformUrlForSmokeTest').Action).toBe('ssm:GetParameter');
  });

  it('names the build action for everything it does, and its artifact for the step states it keeps', () => {
    // THEN the Build stage's one action is BuildReleaseDeploy with the PipelineState output
    template.hasResourceProperties(
      'AWS::CodePipeline::Pipeline',
      Match.objectLike({
        Stages: Match.arrayWith([
          Match.objectLike({
            Name: 'Build',
            Actions: [Match.objectLike({ Name: 'BuildReleaseDeploy', OutputArtifacts: [{ Name: 'PipelineState' }] })],
          }),
        ]),
      }),
    );
  });

  it('gives the build its GitHub push token from Secrets Manager, never as plain text', () => {
    // THEN the token variable is a SECRETS_MANAGER reference, and the role may read only that secret
    const project = Object.values(template.findResources('AWS::CodeBuild::Project'))[0];
    const token = (
      project.Properties.Environment.EnvironmentVariables as Array<{ Name: string; Type: string; Value: string }>
    ).find((v) => v.Name === 'GANTRY_GIT_TOKEN');
    expect(token).toEqual({
      Name: 'GANTRY_GIT_TOKEN',
      Type: 'SECRETS_MANAGER',
      Value: 'gantry/dev/github-release-token',
    });
    template.hasResourceProperties(
      'AWS::IAM::Policy',
      Match.objectLike({
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: 'secretsmanager:GetSecretValue',
              Resource: {
                'Fn::Join': [
                  '',
                  Match.arrayWith([
                    Match.stringLikeRegexp(
                      ':secretsmanager:eu-west-1:111111111111:secret:gantry/dev/github-release-token-\\?\\?\\?\\?\\?\\?$',
                    ),
                  ]),
                ],
              },
            }),
          ]),
        },
      }),
    );
  });

  it('keeps an encrypted, SSL-only, expiring cache bucket and one last-deployed-commit parameter', () => {
    // THEN the bucket and parameter exist as configured
    template.hasResourceProperties(
      'AWS::S3::Bucket',
      Match.objectLike({
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            Match.objectLike({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }),
          ],
        },
        LifecycleConfiguration: {
          Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 30, Status: 'Enabled' })]),
        },
      }),
    );
    template.hasResourceProperties(
      'AWS::S3::BucketPolicy',
      Match.objectLike({
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      }),
    );
    template.hasResourceProperties(
      'AWS::SSM::Parameter',
      Match.objectLike({ Name: '/gantry/dev/pipeline/last-deployed-commit', Type: 'String' }),
    );
  });

  it('creates one immutable, scanned ECR repository per service, with a lifecycle policy and buildcache and deployed-* exclusions', () => {
    // THEN gantry/hello and gantry/pricing exist before any service stack, so the first push has somewhere to go
    template.resourceCountIs('AWS::ECR::Repository', 2);
    for (const name of ['gantry/hello', 'gantry/pricing']) {
      template.hasResourceProperties(
        'AWS::ECR::Repository',
        Match.objectLike({
          RepositoryName: name,
          ImageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
          ImageTagMutabilityExclusionFilters: [
            { ImageTagMutabilityExclusionFilterType: 'WILDCARD', ImageTagMutabilityExclusionFilterValue: 'buildcache' },
            { ImageTagMutabilityExclusionFilterType: 'WILDCARD', ImageTagMutabilityExclusionFilterValue: 'deployed-*' },
          ],
          ImageScanningConfiguration: { ScanOnPush: true },
          LifecyclePolicy: Match.objectLike({ LifecyclePolicyText: Match.stringLikeRegexp('deployed-\\*.*untagged') }),
        }),
      );
    }
    template.hasResource('AWS::ECR::Repository', Match.objectLike({ DeletionPolicy: 'Retain' }));
  });

  it("lets the build push to ECR only in the catalog services' repositories", () => {
    // THEN the push statement lists exactly gantry/hello and gantry/pricing
    const push = bySid('EcrPushToGantryRepositories');
    expect(push.Action).toEqual(expect.arrayContaining(['ecr:PutImage', 'ecr:UploadLayerPart']));
    const arnOf = (service: string) =>
      stack.resolve((stack.repositories.get(service) as { repositoryArn: string }).repositoryArn);
    expect(stack.resolve(push.Resource)).toEqual([arnOf('hello'), arnOf('pricing')]);
    // AND no other statement grants an ecr write action
    const others = buildPolicy().filter((s) => s.Sid !== 'EcrPushToGantryRepositories');
    expect(
      others.flatMap((s) => [s.Action].flat()).filter((a) => /^ecr:(PutImage|UploadLayerPart|\*)$/.test(a)),
    ).toEqual([]);
    expect(bySid('EcrLogin').Action).toBe('ecr:GetAuthorizationToken');
  });

  it('scopes S3 writes to the cache bucket prefix and SSM to the one parameter', () => {
    // THEN the cache statement targets the cache bucket and the SSM statement the base parameter
    const cacheId = stack.resolve(stack.getLogicalId(stack.cacheBucket.node.defaultChild as never));
    const cache = bySid('NxCacheReadWrite');
    expect(cache.Action).toEqual(expect.arrayContaining(['s3:PutObject', 's3:GetObject']));
    expect(JSON.stringify(cache.Resource)).toContain(cacheId);
    expect(JSON.stringify(cache.Resource)).toContain('/nx-cache/*');
    const ssm = bySid('LastDeployedCommit');
    expect(ssm.Action).toEqual(['ssm:GetParameter', 'ssm:PutParameter']);
    expect(JSON.stringify(ssm.Resource)).toContain(
      `{"Ref":"${stack.resolve(stack.getLogicalId(stack.baseParameter.node.defaultChild as never))}"}`,
    );
    expect(JSON.stringify(buildPolicy())).not.toMatch(/"ssm:\*"|"s3:\*"/);
  });

  it('refuses an empty service list', () => {
    // GIVEN / WHEN no services / THEN it throws
    expect(
      () =>
        new PipelineStack(new App(), 'P', {
          env,
          envName: 'dev',
          services: [],
          connectionArn: CONNECTION,
          githubOwner: 'a',
          githubRepo: 'b',
        }),
    ).toThrow(/must name at least one service/);
  });
});
