import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnResource } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PULL_REQUEST_BUILDSPEC } from './constructs/pull-request-pipeline';
import { DEFAULT_SHARDING, ecsNames } from '@gantry/service-catalog';
import { MAIN_BUILDSPECS, MAIN_STAGES, PipelineStack, type MainStage } from './pipeline-stack';

const env = { account: '111111111111', region: 'eu-west-1' };
const CONNECTION = 'arn:aws:codeconnections:eu-west-1:111111111111:connection/abc';
const REPOSITORY_ROOT = join(__dirname, '..', '..');

/** Synthesized CloudFormation, read as the plain JSON it is; each assertion below pins the shape it relies on. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
type Variable = { Name: string; Type: string; Value: unknown };

describe('PipelineStack', () => {
  // GIVEN one stack for services hello and pricing, shared by the read-only cases
  const stack = new PipelineStack(new App(), 'Pipeline', {
    env,
    envName: 'dev',
    services: ['hello', 'pricing'],
    connectionArn: CONNECTION,
    githubOwner: 'acme',
    githubRepo: 'gantry',
  });
  const template = Template.fromStack(stack);
  const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Json }>;
  const id = (construct: IConstruct) => stack.resolve(stack.getLogicalId(construct.node.defaultChild as CfnResource));
  const ref = (construct: IConstruct) => ({ Ref: id(construct) });
  const arn = (construct: IConstruct) => ({ 'Fn::GetAtt': [id(construct), 'Arn'] });
  const projects: Record<MainStage | 'pullRequest', { role: IConstruct; project: IConstruct; logGroup: IConstruct }> = {
    ...stack.stages,
    pullRequest: stack.pullRequests.checks,
  };
  const roleOf = (stage: keyof typeof projects) => projects[stage].role;

  /** Every statement of the identity policies attached to `role`. */
  const statementsOf = (role: IConstruct): Statement[] =>
    Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(`"${id(role)}"`))
      .flatMap((r) => r.Properties.PolicyDocument.Statement as Statement[]);
  const bySid = (role: IConstruct) =>
    Object.fromEntries(statementsOf(role).flatMap((s) => (s.Sid ? [[s.Sid, s]] : [])));
  const actionsOf = (s: Statement) => [s.Action].flat();
  /** The logical IDs of the roles one of whose statements allows `action` on a resource that mentions `on`. */
  const rolesAllowing = (action: string, on = ''): string[] =>
    Object.entries(resources)
      .filter(([, r]) => r.Type === 'AWS::IAM::Role')
      .filter(([roleId]) =>
        Object.values(resources)
          .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(`"${roleId}"`))
          .flatMap((r) => r.Properties.PolicyDocument.Statement as Statement[])
          .some(
            (s) =>
              s.Effect === 'Allow' &&
              actionsOf(s).some(
                (a) => a === action || a === '*' || (a.endsWith('*') && action.startsWith(a.slice(0, -1))),
              ) &&
              JSON.stringify(s.Resource).includes(on),
          ),
      )
      .map(([roleId]) => roleId)
      .sort();
  const variablesOf = (stage: keyof typeof projects): Variable[] =>
    resources[id(projects[stage].project)].Properties.Environment.EnvironmentVariables ?? [];
  const plainVariables = (stage: keyof typeof projects) =>
    Object.fromEntries(variablesOf(stage).map((v) => [v.Name, stack.resolve(v.Value)]));
  const cacheArn = arn(stack.cacheBucket);
  const repositories = ['hello', 'pricing'].map((service) => {
    const repository = stack.repositories.get(service);
    if (!repository) throw new Error(`no repository for ${service}`);
    return arn(repository);
  });
  const ssmArn = (name: string) => ({
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ssm:eu-west-1:111111111111:parameter${name}`]],
  });
  const baseParameterArn = {
    'Fn::Join': [
      '',
      ['arn:', { Ref: 'AWS::Partition' }, ':ssm:eu-west-1:111111111111:parameter', ref(stack.baseParameter)],
    ],
  };

  describe('the main pipeline', () => {
    it('is a V2 pipeline, queued, triggered by pushes to main, with a stage per trust level', () => {
      // WHEN its template is read
      // THEN it is V2 QUEUED with a push trigger on main, a full-clone source, and Checks → Release → Deploy → Record
      const pipeline = resources[id(stack.pipeline)].Properties;
      expect(pipeline).toMatchObject({
        PipelineType: 'V2',
        ExecutionMode: 'QUEUED',
        Triggers: [
          {
            ProviderType: 'CodeStarSourceConnection',
            GitConfiguration: { SourceActionName: 'GitHub', Push: [{ Branches: { Includes: ['main'] } }] },
          },
        ],
      });
      const stages = pipeline.Stages as Array<{ Name: string; Actions: Array<Json> }>;
      expect(
        stages.map((s) => [
          s.Name,
          s.Actions.map((a) => ({
            name: a.Name,
            inputs: (a.InputArtifacts ?? []).map((i: { Name: string }) => i.Name),
            outputs: (a.OutputArtifacts ?? []).map((o: { Name: string }) => o.Name),
          })),
        ]),
      ).toEqual([
        ['Source', [{ name: 'GitHub', inputs: [], outputs: ['Source'] }]],
        ['Checks', [{ name: 'Checks', inputs: ['Source'], outputs: ['ChecksState'] }]],
        ['Release', [{ name: 'Version', inputs: ['Source', 'ChecksState'], outputs: ['ReleaseState'] }]],
        ['Images', [{ name: 'Images', inputs: ['Source', 'ReleaseState'], outputs: ['ImagesState'] }]],
        [
          'Deploy',
          [{ name: 'DeployAndSmoke', inputs: ['Source', 'ReleaseState', 'ImagesState'], outputs: ['DeployState'] }],
        ],
        ['Record', [{ name: 'Record', inputs: ['Source', 'ReleaseState', 'ImagesState', 'DeployState'], outputs: [] }]],
      ]);
      expect(stages[0].Actions[0].Configuration).toMatchObject({
        ConnectionArn: CONNECTION,
        FullRepositoryId: 'acme/gantry',
        BranchName: 'main',
        OutputArtifactFormat: 'CODEBUILD_CLONE_REF',
      });
      // AND each CodeBuild stage runs its own project
      const projectOf = (stage: string) => stages.find((s) => s.Name === stage)?.Actions[0].Configuration.ProjectName;
      expect(['Checks', 'Release', 'Images', 'Deploy', 'Record'].map(projectOf)).toEqual(
        MAIN_STAGES.map((stage) => ref(stack.stages[stage].project)),
      );
    });

    it('unpacks each extra input in the buildspec of the stage that gets it, as $CODEBUILD_SRC_DIR_<artifact>', () => {
      // GIVEN each CodeBuild action's extra inputs and the buildspec its project runs
      const stages = resources[id(stack.pipeline)].Properties.Stages as Array<{ Actions: Array<Json> }>;
      const actions = stages.flatMap((s) => s.Actions).filter((a) => a.ActionTypeId.Provider === 'CodeBuild');

      // THEN the buildspec names every extra input's directory
      for (const action of actions) {
        const stage = MAIN_STAGES.find(
          (s) => stack.resolve(action.Configuration.ProjectName).Ref === id(stack.stages[s].project),
        );
        const buildspec = readFileSync(join(REPOSITORY_ROOT, MAIN_BUILDSPECS[stage as MainStage]), 'utf8');
        for (const { Name } of action.InputArtifacts.slice(1))
          expect(buildspec).toContain(`"$CODEBUILD_SRC_DIR_${Name}"`);
      }
    });
  });

  describe('the CodeBuild projects', () => {
    it('are one per stage, each with a role of its own, pointing at a buildspec that exists', () => {
      // THEN there are six projects (five main stages, pull requests) with six distinct roles
      template.resourceCountIs('AWS::CodeBuild::Project', 6);
      const roles = Object.values(projects).map((p) => resources[id(p.project)].Properties.ServiceRole);
      expect(new Set(roles.map((r) => JSON.stringify(r))).size).toBe(6);
      for (const [stage, { project, role }] of Object.entries(projects)) {
        const buildspec = resources[id(project)].Properties.Source.BuildSpec as string;
        expect([stage, buildspec]).toEqual([
          stage,
          stage === 'pullRequest' ? PULL_REQUEST_BUILDSPEC : MAIN_BUILDSPECS[stage as MainStage],
        ]);
        expect(existsSync(join(REPOSITORY_ROOT, buildspec))).toBe(true);
        expect(resources[id(project)].Properties.ServiceRole).toEqual(arn(role));
      }
      expect(MAIN_BUILDSPECS.checks).toBe('buildspec.yml');
    });

    it('give each stage exactly its variables, all of them plain text', () => {
      // THEN the variables are the contract of each stage's steps
      const cache = {
        GANTRY_CACHE_BUCKET: ref(stack.cacheBucket),
        GANTRY_CACHE_PREFIX: 'nx-cache/',
        GANTRY_CACHE_REGION: 'eu-west-1',
      };
      const registry = {
        GANTRY_REGISTRY: '111111111111.dkr.ecr.eu-west-1.amazonaws.com',
        GANTRY_REPOSITORY_PREFIX: 'gantry',
      };
      const base = { GANTRY_BASE_PARAMETER: ref(stack.baseParameter) };
      expect(plainVariables('checks')).toEqual({
        ...base,
        ...cache,
        GANTRY_CACHE_MODE: 'read-write',
        GANTRY_SHARD_PROJECTS: String(DEFAULT_SHARDING.projectsPerBuild),
      });
      expect(plainVariables('release')).toEqual({
        ...registry,
        GANTRY_RELEASE_REMOTE: 'origin',
        GANTRY_RELEASE_BRANCH: 'main',
      });
      expect(plainVariables('images')).toEqual({
        ...cache,
        GANTRY_CACHE_MODE: 'read-only',
        ...registry,
        GANTRY_SHARD_IMAGES: String(DEFAULT_SHARDING.imagesPerBuild),
      });
      expect(plainVariables('deploy')).toEqual({ GANTRY_DEPLOY: 'cdk', ...registry });
      expect(plainVariables('record')).toEqual({
        ...base,
        ...registry,
        GANTRY_RELEASE_REMOTE: 'https://github.com/acme/gantry.git',
        GANTRY_RELEASE_BRANCH: 'main',
        GANTRY_GIT_TOKEN_SECRET: 'gantry/dev/github-release-token',
      });
      expect(plainVariables('pullRequest')).toEqual({ ...base, ...cache, GANTRY_CACHE_MODE: 'read-only' });
      // AND no project resolves a secret into its environment
      for (const stage of Object.keys(projects) as Array<keyof typeof projects>) {
        expect(variablesOf(stage).map((v) => v.Type)).toEqual(variablesOf(stage).map(() => 'PLAINTEXT'));
      }
    });

    it('document every variable they set in the header of their buildspec', () => {
      for (const [stage, { project }] of Object.entries(projects)) {
        const file = resources[id(project)].Properties.Source.BuildSpec as string;
        const header = readFileSync(join(REPOSITORY_ROOT, file), 'utf8').split('\nversion:')[0];
        const missing = variablesOf(stage as keyof typeof projects)
          .map((v) => v.Name)
          .filter((name) => !new RegExp(`\\b${name}\\b`).test(header));
        expect([stage, missing]).toEqual([stage, []]);
      }
    });

    it('run Docker privileged in the images stage only', () => {
      const privileged = Object.entries(projects)
        .filter(([, { project }]) => resources[id(project)].Properties.Environment.PrivilegedMode)
        .map(([stage]) => stage);
      expect(privileged).toEqual(['images']);
      for (const { project } of Object.values(projects))
        expect(resources[id(project)].Properties.Environment.Type).toBe('ARM_CONTAINER');
    });
  });

  describe('the batch builds', () => {
    const batched = (['checks', 'images'] as const).map((stage) => [stage] as const);

    it.each(batched)('run the %s stage as a batch of the build-list, its artifacts combined', (stage) => {
      // THEN the project allows as many builds as the buildspec's build-list has, on its own compute type
      const project = resources[id(stack.stages[stage].project)].Properties;
      expect(project.BuildBatchConfig).toEqual({
        ServiceRole: expect.anything(),
        CombineArtifacts: true,
        TimeoutInMins: 60,
        Restrictions: { MaximumBuildsAllowed: DEFAULT_SHARDING.builds, ComputeTypesAllowed: ['BUILD_GENERAL1_LARGE'] },
      });
      // AND the pipeline's action starts it as a batch and combines what the builds leave
      const stages = resources[id(stack.pipeline)].Properties.Stages as Array<{ Actions: Array<Json> }>;
      const action = stages
        .flatMap((s) => s.Actions)
        .find((a) => stack.resolve(a.Configuration.ProjectName)?.Ref === id(stack.stages[stage].project));
      expect(action.Configuration).toMatchObject({ BatchEnabled: 'true', CombineArtifacts: 'true' });
    });

    it('runs version, deploy and record once: no other project is a batch', () => {
      const batchProjects = Object.entries(projects)
        .filter(([, { project }]) => resources[id(project)].Properties.BuildBatchConfig)
        .map(([stage]) => stage);
      expect(batchProjects).toEqual(['checks', 'images']);
    });

    it('lets a team set how much one build takes, and names a bad value', () => {
      // GIVEN a stack with its own thresholds
      const props = {
        env,
        envName: 'dev',
        services: ['hello'],
        connectionArn: CONNECTION,
        githubOwner: 'a',
        githubRepo: 'b',
      };
      const own = new PipelineStack(new App(), 'Own', { ...props, projectsPerShard: 40, imagesPerShard: 10 });
      const variables = (project: IConstruct) =>
        Template.fromStack(own).toJSON().Resources[
          own.resolve(own.getLogicalId(project.node.defaultChild as CfnResource))
        ].Properties.Environment.EnvironmentVariables as Variable[];
      // THEN the stages read them
      expect(variables(own.stages.checks.project)).toContainEqual(
        expect.objectContaining({ Name: 'GANTRY_SHARD_PROJECTS', Value: '40' }),
      );
      expect(variables(own.stages.images.project)).toContainEqual(
        expect.objectContaining({ Name: 'GANTRY_SHARD_IMAGES', Value: '10' }),
      );
      // AND a threshold below one build's share is refused
      expect(() => new PipelineStack(new App(), 'Bad', { ...props, imagesPerShard: 0 })).toThrow(
        'PipelineStack: props.imagesPerShard must be a whole number of at least 1, got 0',
      );
    });
  });

  describe('who may do what', () => {
    // Every statement a stage role holds is one of its own (by Sid, asserted exactly) or one CDK adds to every
    // project: its own logs and report groups, its pipeline's artifact bucket, and the source connection.
    const cdkDefault = (stage: keyof typeof projects) => (s: Statement) => {
      const own = JSON.stringify(s.Resource);
      const artifacts = stage === 'pullRequest' ? stack.pullRequests.artifactBucket : stack.artifactBucket;
      return (
        !s.Sid &&
        s.Effect === 'Allow' &&
        ((actionsOf(s).every((a) => a.startsWith('logs:') || a.startsWith('codebuild:')) &&
          (own.includes(`"${id(projects[stage].project)}"`) || own.includes(`"${id(projects[stage].logGroup)}"`))) ||
          (actionsOf(s).every((a) => a.startsWith('s3:')) &&
            own.includes(id(artifacts)) &&
            !own.includes(id(stack.cacheBucket))) ||
          (actionsOf(s).join() === 'codestar-connections:UseConnection' && s.Resource === CONNECTION))
      );
    };
    const ownStatements = (stage: keyof typeof projects) => {
      const statements = statementsOf(roleOf(stage));
      expect(statements.filter((s) => !s.Sid && !cdkDefault(stage)(s))).toEqual([]);
      return statements.filter((s) => s.Sid);
    };

    it('lets the checks role read the base, and read and write the cache: no ECR, no secrets, no deploy, no SSM writes', () => {
      // THEN its own statements are exactly these
      expect(ownStatements('checks')).toEqual([
        { Sid: 'NxCacheList', Effect: 'Allow', Action: 's3:ListBucket', Resource: cacheArn },
        {
          Sid: 'NxCacheRead',
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: { 'Fn::Join': ['', [cacheArn, '/nx-cache/*']] },
        },
        {
          Sid: 'NxCacheWrite',
          Effect: 'Allow',
          Action: ['s3:PutObject', 's3:AbortMultipartUpload'],
          Resource: { 'Fn::Join': ['', [cacheArn, '/nx-cache/*']] },
        },
        { Sid: 'ReadLastDeployedCommit', Effect: 'Allow', Action: 'ssm:GetParameter', Resource: baseParameterArn },
      ]);
    });

    it("lets the release role read the catalog repositories' image labels, and nothing else of ECR", () => {
      expect(ownStatements('release')).toEqual([
        { Sid: 'EcrLogin', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
        {
          Sid: 'EcrReadImageLabels',
          Effect: 'Allow',
          Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
          Resource: repositories,
        },
      ]);
    });

    it('lets the images role read the cache and push to the catalog repositories only', () => {
      expect(ownStatements('images')).toEqual([
        { Sid: 'NxCacheList', Effect: 'Allow', Action: 's3:ListBucket', Resource: cacheArn },
        {
          Sid: 'NxCacheRead',
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: { 'Fn::Join': ['', [cacheArn, '/nx-cache/*']] },
        },
        { Sid: 'EcrLogin', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
        {
          Sid: 'EcrPushToGantryRepositories',
          Effect: 'Allow',
          Action: [
            'ecr:BatchCheckLayerAvailability',
            'ecr:BatchGetImage',
            'ecr:CompleteLayerUpload',
            'ecr:GetDownloadUrlForLayer',
            'ecr:InitiateLayerUpload',
            'ecr:PutImage',
            'ecr:UploadLayerPart',
          ],
          Resource: repositories,
        },
      ]);
    });

    it('lets the deploy role assume the three CDK bootstrap roles, read the platform URL and read image digests', () => {
      expect(ownStatements('deploy')).toEqual([
        {
          Sid: 'CdkDeployThroughBootstrapRoles',
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Resource: ['deploy', 'file-publishing', 'lookup'].map((kind) => ({
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                `:iam::111111111111:role/cdk-hnb659fds-${kind}-role-111111111111-eu-west-1`,
              ],
            ],
          })),
        },
        {
          Sid: 'ReadPlatformUrlForSmokeTest',
          Effect: 'Allow',
          Action: 'ssm:GetParameter',
          Resource: ssmArn('/gantry/dev/platform/url'),
        },
        { Sid: 'EcrLogin', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
        { Sid: 'EcrReadDigests', Effect: 'Allow', Action: 'ecr:BatchGetImage', Resource: repositories },
      ]);
    });

    it('lets the record role read the token secret, write the records and the base, and move deployed-<env> tags', () => {
      expect(ownStatements('record')).toEqual([
        {
          Sid: 'ReadReleaseToken',
          Effect: 'Allow',
          Action: 'secretsmanager:GetSecretValue',
          Resource: {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':secretsmanager:eu-west-1:111111111111:secret:gantry/dev/github-release-token-??????',
              ],
            ],
          },
        },
        {
          Sid: 'RecordDeployedImages',
          Effect: 'Allow',
          Action: ['ssm:GetParameter', 'ssm:PutParameter'],
          Resource: [ssmArn('/gantry/dev/images/*'), ssmArn('/gantry/dev/deploys/*')],
        },
        { Sid: 'RecordLastDeployedCommit', Effect: 'Allow', Action: 'ssm:PutParameter', Resource: baseParameterArn },
        { Sid: 'EcrLogin', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
        {
          Sid: 'MoveDeployedTag',
          Effect: 'Allow',
          Action: ['ecr:BatchGetImage', 'ecr:PutImage'],
          Resource: repositories,
        },
      ]);
    });

    it('lets the pull-request role read the cache and the base, and nothing more', () => {
      expect(ownStatements('pullRequest')).toEqual([
        { Sid: 'NxCacheList', Effect: 'Allow', Action: 's3:ListBucket', Resource: cacheArn },
        {
          Sid: 'NxCacheRead',
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: { 'Fn::Join': ['', [cacheArn, '/nx-cache/*']] },
        },
        { Sid: 'ReadLastDeployedCommit', Effect: 'Allow', Action: 'ssm:GetParameter', Resource: baseParameterArn },
      ]);
    });

    it('lets no role but the deploy role assume the CDK bootstrap roles', () => {
      expect(rolesAllowing('sts:AssumeRole', 'cdk-hnb659fds')).toEqual([id(roleOf('deploy'))]);
    });

    it('lets no role but the record role read the token secret, or any secret', () => {
      expect(rolesAllowing('secretsmanager:GetSecretValue')).toEqual([id(roleOf('record'))]);
    });

    it('lets no role but the record role write SSM parameters', () => {
      expect(rolesAllowing('ssm:PutParameter')).toEqual([id(roleOf('record'))]);
    });

    it("lets no role but main's checks role put objects in the cache bucket", () => {
      expect(rolesAllowing('s3:PutObject', id(stack.cacheBucket))).toEqual([id(roleOf('checks'))]);
      expect(stack.cache.writer).toBe(roleOf('checks'));
    });

    it('lets only the images role push images, and only the record role put a manifest besides', () => {
      expect(rolesAllowing('ecr:UploadLayerPart')).toEqual([id(roleOf('images'))]);
      expect(rolesAllowing('ecr:PutImage')).toEqual([id(roleOf('images')), id(roleOf('record'))].sort());
      expect(rolesAllowing('ecr:GetAuthorizationToken')).toEqual(
        [id(roleOf('deploy')), id(roleOf('images')), id(roleOf('record')), id(roleOf('release'))].sort(),
      );
    });
  });

  describe('the cache bucket', () => {
    const bucketPolicy = () =>
      Object.values(resources).find(
        (r) =>
          r.Type === 'AWS::S3::BucketPolicy' &&
          JSON.stringify(r.Properties.Bucket) === JSON.stringify(ref(stack.cacheBucket)),
      )?.Properties.PolicyDocument.Statement as Statement[];

    it('denies PutObject to every principal but the checks role of main, whatever their own policies say', () => {
      expect(bucketPolicy().find((s) => s.Sid === 'OnlyTheTrustedChecksRoleWrites')).toEqual({
        Sid: 'OnlyTheTrustedChecksRoleWrites',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 's3:PutObject',
        Resource: { 'Fn::Join': ['', [cacheArn, '/*']] },
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': arn(roleOf('checks')) } },
      });
    });

    it('denies any PutObject or CompleteMultipartUpload without If-None-Match, so no entry is overwritten', () => {
      expect(bucketPolicy().find((s) => s.Sid === 'EntriesAreNeverOverwritten')).toEqual({
        Sid: 'EntriesAreNeverOverwritten',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 's3:PutObject',
        Resource: { 'Fn::Join': ['', [cacheArn, '/*']] },
        Condition: { Null: { 's3:if-none-match': 'true' }, Bool: { 's3:ObjectCreationOperation': 'true' } },
      });
      // AND it allows nothing: the bucket policy only denies
      expect(bucketPolicy().filter((s) => s.Effect !== 'Deny')).toEqual([]);
    });

    it('is versioned, encrypted, SSL-only and private, and expires entries and the versions expiry leaves', () => {
      expect(resources[id(stack.cacheBucket)].Properties).toMatchObject({
        VersioningConfiguration: { Status: 'Enabled' },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LifecycleConfiguration: {
          Rules: [
            {
              Id: 'ExpireEntries',
              ExpirationInDays: 30,
              NoncurrentVersionExpiration: { NoncurrentDays: 1 },
              AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
              Status: 'Enabled',
            },
            { Id: 'RemoveExpiredDeleteMarkers', ExpiredObjectDeleteMarker: true, Status: 'Enabled' },
          ],
        },
      });
      expect(bucketPolicy()).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    });
  });

  describe('the pull-request pipeline', () => {
    const pipeline = () => resources[id(stack.pullRequests.pipeline)].Properties;

    it('is a V2 pipeline started by pull requests into main, opened or updated, on the same connection', () => {
      expect(pipeline()).toMatchObject({
        PipelineType: 'V2',
        ExecutionMode: 'PARALLEL',
        Triggers: [
          {
            ProviderType: 'CodeStarSourceConnection',
            GitConfiguration: {
              SourceActionName: 'GitHub',
              PullRequest: [{ Branches: { Includes: ['main'] }, Events: ['OPEN', 'UPDATED'] }],
            },
          },
        ],
        ArtifactStore: { Location: ref(stack.pullRequests.artifactBucket) },
      });
      expect(pipeline().Triggers[0].GitConfiguration.Push).toBeUndefined();
      expect(pipeline().Stages[0].Actions[0].Configuration).toMatchObject({
        ConnectionArn: CONNECTION,
        FullRepositoryId: 'acme/gantry',
        OutputArtifactFormat: 'CODEBUILD_CLONE_REF',
        DetectChanges: false,
      });
    });

    it('runs install and the checks only: no images, no deploy, no outputs', () => {
      const stages = pipeline().Stages as Array<{ Name: string; Actions: Array<Json> }>;
      expect(stages.map((s) => s.Name)).toEqual(['Source', 'Checks']);
      expect(stages[1].Actions).toHaveLength(1);
      expect(stages[1].Actions[0].Configuration.ProjectName).toEqual(ref(stack.pullRequests.checks.project));
      expect(stages[1].Actions[0].OutputArtifacts).toBeUndefined();
      expect(resources[id(stack.pullRequests.checks.project)].Properties.Environment.PrivilegedMode).toBe(false);
    });

    it('cannot write the cache or start a build: read-only mode, no s3:PutObject in its policies or its boundary', () => {
      const role = roleOf('pullRequest');
      expect(plainVariables('pullRequest')['GANTRY_CACHE_MODE']).toBe('read-only');
      expect(statementsOf(role).filter((s) => actionsOf(s).some((a) => /^s3:(Put|\*)/.test(a)))).toEqual([]);
      // AND its permissions boundary, the most it can ever be granted, allows no S3 write and no secret
      expect(resources[id(role)].Properties.PermissionsBoundary).toEqual(ref(stack.pullRequests.boundary));
      const boundary = resources[id(stack.pullRequests.boundary)].Properties.PolicyDocument.Statement as Statement[];
      const granted = boundary.flatMap(actionsOf);
      expect(
        granted.filter((a) =>
          /^s3:(Put|Delete|\*)|^s3:\*|^secretsmanager:|^ssm:Put|^sts:|^ecr:(Put|Upload|Initiate|Complete)/.test(a),
        ),
      ).toEqual([]);
      // AND it denies starting any build, so reviewed code cannot run a main stage with a buildspec override
      expect(boundary.filter((s) => s.Effect !== 'Allow')).toEqual([
        {
          Effect: 'Deny',
          Action: ['codebuild:StartBuild', 'codebuild:RetryBuild', 'codebuild:StopBuild'],
          Resource: '*',
        },
      ]);
    });
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

  it('keeps one last-deployed-commit parameter, starting at "none"', () => {
    template.hasResourceProperties(
      'AWS::SSM::Parameter',
      Match.objectLike({ Name: '/gantry/dev/pipeline/last-deployed-commit', Type: 'String', Value: 'none' }),
    );
    expect(bySid(roleOf('record'))['RecordLastDeployedCommit'].Resource).toEqual(baseParameterArn);
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

describe('PipelineStack with database services', () => {
  // GIVEN services hello and orders, orders declaring a database
  const stack = new PipelineStack(new App(), 'Pipeline', {
    env,
    envName: 'dev',
    services: ['hello', 'orders'],
    migrationServices: ['orders'],
    connectionArn: CONNECTION,
    githubOwner: 'acme',
    githubRepo: 'gantry',
  });
  const resources = Template.fromStack(stack).toJSON().Resources as Record<string, { Type: string; Properties: Json }>;
  const roleId = (construct: IConstruct) =>
    stack.resolve(stack.getLogicalId(construct.node.defaultChild as CfnResource)) as string;
  const statementsOf = (role: string): Statement[] =>
    Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(`"${role}"`))
      .flatMap((r) => r.Properties.PolicyDocument.Statement as Statement[]);
  const deployRole = roleId(stack.stages.deploy.role);
  const arn = (service: string, resource: string) => ({
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:${service}:eu-west-1:111111111111:${resource}`]],
  });

  it("lets the deploy role run orders' migration task, watch it and read its log, and nothing more of ECS", () => {
    // WHEN the deploy role's migrate statements are read
    const migrate = statementsOf(deployRole).filter((s) => s.Sid?.startsWith('Migrate'));

    // THEN they are exactly these, each scoped to orders' fixed names and the platform's cluster
    expect(migrate).toEqual([
      {
        Sid: 'MigrateDescribeServices',
        Effect: 'Allow',
        Action: 'ecs:DescribeServices',
        Resource: arn('ecs', 'service/gantry-dev/gantry-dev-orders'),
      },
      {
        Sid: 'MigrateCopyTaskDefinitions',
        Effect: 'Allow',
        Action: ['ecs:DescribeTaskDefinition', 'ecs:RegisterTaskDefinition'],
        Resource: '*',
      },
      {
        Sid: 'MigrateTagTaskDefinitionCopy',
        Effect: 'Allow',
        Action: 'ecs:TagResource',
        Resource: arn('ecs', 'task-definition/gantry-dev-orders:*'),
        Condition: { StringEquals: { 'ecs:CreateAction': 'RegisterTaskDefinition' } },
      },
      {
        Sid: 'MigrateRunTask',
        Effect: 'Allow',
        Action: 'ecs:RunTask',
        Resource: arn('ecs', 'task-definition/gantry-dev-orders:*'),
        Condition: { ArnEquals: { 'ecs:cluster': arn('ecs', 'cluster/gantry-dev') } },
      },
      {
        Sid: 'MigrateWatchTask',
        Effect: 'Allow',
        Action: 'ecs:DescribeTasks',
        Resource: arn('ecs', 'task/gantry-dev/*'),
      },
      {
        Sid: 'MigratePassTaskRoles',
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: [
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::111111111111:role/gantry-dev-orders-task']] },
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::111111111111:role/gantry-dev-orders-exec']] },
        ],
        Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      },
      {
        Sid: 'MigrateReadTaskLog',
        Effect: 'Allow',
        Action: 'logs:GetLogEvents',
        Resource: arn('logs', 'log-group:/gantry/dev/orders:log-stream:orders/app/*'),
      },
    ]);
    // AND the names are the ones the orders stack gives its pieces
    expect(ecsNames('dev', 'orders')).toMatchObject({ family: 'gantry-dev-orders', logGroup: '/gantry/dev/orders' });
  });

  it('grants no other role ECS or PassRole, and hello nothing', () => {
    // WHEN every role's statements are read
    const others = Object.entries(resources)
      .filter(([id, r]) => r.Type === 'AWS::IAM::Role' && id !== deployRole)
      .flatMap(([id]) => statementsOf(id));

    // THEN no other role may call ECS or pass a role, and no statement names hello's pieces
    expect(JSON.stringify(others)).not.toMatch(/"(ecs|iam):/);
    expect(JSON.stringify(statementsOf(deployRole))).not.toContain('gantry-dev-hello');
  });

  it('grants ECS only when some service has a database', () => {
    // GIVEN the same stack, and one without database services
    const plain = new PipelineStack(new App(), 'Pipeline', {
      env,
      envName: 'dev',
      services: ['hello'],
      connectionArn: CONNECTION,
      githubOwner: 'acme',
      githubRepo: 'gantry',
    });

    // THEN only the first may call ECS, and neither refers to another stack
    expect(JSON.stringify(resources)).toContain('ecs:RunTask');
    expect(JSON.stringify(Template.fromStack(plain).toJSON())).not.toMatch(/ImportValue|ecs:/);
    expect(JSON.stringify(resources)).not.toContain('ImportValue');
  });

  it('refuses a migration service that is not one of its services', () => {
    expect(
      () =>
        new PipelineStack(new App(), 'P', {
          env,
          envName: 'dev',
          services: ['hello'],
          migrationServices: ['orders'],
          connectionArn: CONNECTION,
          githubOwner: 'a',
          githubRepo: 'b',
        }),
    ).toThrow(/props\.migrationServices names "orders", not in props\.services/);
  });
});
