import { App, Errors, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { PipelineProject, type PipelineProjectProps } from './pipeline-project';

function build(props: Partial<PipelineProjectProps> = {}) {
  const stack = new Stack(new App(), 'Test');
  const project = new PipelineProject(stack, 'Stage', {
    buildSpec: 'tools/pipeline/buildspecs/deploy.yml',
    description: 'a stage',
    ...props,
  });
  return { project, template: Template.fromStack(stack) };
}

describe('PipelineProject', () => {
  it('runs its buildspec from the source, unprivileged on ARM, with plain-text variables only', () => {
    // GIVEN / WHEN a project with two variables
    const { template } = build({ environmentVariables: { GANTRY_DEPLOY: 'cdk', GANTRY_GIT_TOKEN_SECRET: 'a/name' } });

    // THEN both are PLAINTEXT (a secret's name, never its value) and Docker privilege is off
    const [project] = Object.values(template.findResources('AWS::CodeBuild::Project'));
    expect(project.Properties.Source.BuildSpec).toBe('tools/pipeline/buildspecs/deploy.yml');
    expect(project.Properties.Environment).toMatchObject({
      Type: 'ARM_CONTAINER',
      ComputeType: 'BUILD_GENERAL1_SMALL',
      PrivilegedMode: false,
      EnvironmentVariables: [
        { Name: 'GANTRY_DEPLOY', Type: 'PLAINTEXT', Value: 'cdk' },
        { Name: 'GANTRY_GIT_TOKEN_SECRET', Type: 'PLAINTEXT', Value: 'a/name' },
      ],
    });
    template.resourceCountIs('AWS::IAM::Role', 1);
  });

  it.each(['../buildspec.yml', '/etc/buildspec.yml', 'buildspec.json', 'tools/pipeline/buildspecs/'])(
    'refuses the buildspec %j, naming the prop',
    (buildSpec) => {
      let error: unknown;
      try {
        build({ buildSpec });
      } catch (caught) {
        error = caught;
      }
      expect(Errors.isValidationError(error)).toBe(true);
      expect((error as Error).message).toContain('props.buildSpec must be a .yml path inside the repository');
    },
  );

  it('runs as a bounded batch when asked: a service role of its own, no more builds than the build-list', () => {
    // GIVEN / WHEN a batch project of three builds
    const { template } = build({ batchBuilds: 3 });

    // THEN the batch gets its own role, a limit on builds and compute, and the project's timeout
    const [project] = Object.values(template.findResources('AWS::CodeBuild::Project'));
    expect(project.Properties.BuildBatchConfig).toMatchObject({
      CombineArtifacts: true,
      TimeoutInMins: 30,
      Restrictions: { MaximumBuildsAllowed: 3, ComputeTypesAllowed: ['BUILD_GENERAL1_SMALL'] },
    });
    template.resourceCountIs('AWS::IAM::Role', 2);
  });

  it.each([0, 1.5, 101])('refuses a batch of %j builds, naming the prop', (batchBuilds) => {
    expect(() => build({ batchBuilds })).toThrow(
      `PipelineProject: props.batchBuilds must be a whole number from 1 to 100 (CodeBuild's limit), got ${batchBuilds}`,
    );
  });
});
