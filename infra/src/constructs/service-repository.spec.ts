import { App, Errors, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ServiceRepository, type ServiceRepositoryProps } from './service-repository';

function build(props: Partial<ServiceRepositoryProps> = {}) {
  const stack = new Stack(new App(), 'Test');
  new ServiceRepository(stack, 'Orders', { service: 'orders', ...props });
  return Template.fromStack(stack);
}

/** The repository's lifecycle policy, parsed. */
function lifecyclePolicy(template: Template): { rules: Array<Record<string, unknown>> } {
  const [repository] = Object.values(template.findResources('AWS::ECR::Repository'));
  return JSON.parse(repository.Properties.LifecyclePolicy.LifecyclePolicyText);
}

describe('ServiceRepository', () => {
  it('names the repository gantry/<service>, scans on push and is retained', () => {
    // GIVEN / WHEN a repository for "orders"
    const template = build();

    // THEN it is gantry/orders, scanned on push, and kept when the stack goes
    template.hasResource(
      'AWS::ECR::Repository',
      Match.objectLike({
        Properties: Match.objectLike({
          RepositoryName: 'gantry/orders',
          ImageScanningConfiguration: { ScanOnPush: true },
        }),
        DeletionPolicy: 'Retain',
      }),
    );
  });

  it('keeps release tags immutable, except buildcache and the deployed-<env> markers', () => {
    // GIVEN / WHEN a repository with default props
    const template = build();

    // THEN exactly the BuildKit cache and the deployed-* tags may move
    template.hasResourceProperties(
      'AWS::ECR::Repository',
      Match.objectLike({
        ImageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
        ImageTagMutabilityExclusionFilters: [
          { ImageTagMutabilityExclusionFilterType: 'WILDCARD', ImageTagMutabilityExclusionFilterValue: 'buildcache' },
          { ImageTagMutabilityExclusionFilterType: 'WILDCARD', ImageTagMutabilityExclusionFilterValue: 'deployed-*' },
        ],
      }),
    );
  });

  it('keeps every deployed-* image first, then the last 20 releases, and expires untagged images after 7 days', () => {
    // GIVEN / WHEN a repository with default props
    const policy = lifecyclePolicy(build());

    // THEN the deployed-* rule has the highest priority, so no later rule expires an image an environment runs
    expect(policy.rules).toEqual([
      {
        rulePriority: 1,
        description: 'Keep every image an environment runs (deployed-*)',
        selection: {
          tagStatus: 'tagged',
          tagPatternList: ['deployed-*'],
          countType: 'imageCountMoreThan',
          countNumber: 9999,
        },
        action: { type: 'expire' },
      },
      {
        rulePriority: 2,
        description: 'Keep the last 20 release images (*.*.*)',
        selection: {
          tagStatus: 'tagged',
          tagPatternList: ['*.*.*'],
          countType: 'imageCountMoreThan',
          countNumber: 20,
        },
        action: { type: 'expire' },
      },
      {
        rulePriority: 3,
        description: 'Drop untagged layers and manifests after 7 days',
        selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 },
        action: { type: 'expire' },
      },
    ]);
    // AND no rule selects "any": it would count the protected images against its limit
    expect(policy.rules.map((rule) => (rule.selection as { tagStatus: string }).tagStatus)).not.toContain('any');
  });

  it('keeps the given number of releases', () => {
    // GIVEN / WHEN a repository keeping 5 releases
    const policy = lifecyclePolicy(build({ keepReleases: 5 }));

    // THEN the release rule counts 5, still below the deployed-* rule
    expect(policy.rules[1]).toMatchObject({
      rulePriority: 2,
      selection: { tagPatternList: ['*.*.*'], countNumber: 5 },
    });
  });

  it('throws a ValidationError naming props.keepReleases when it is not an integer from 1 to 9999', () => {
    // GIVEN / WHEN keepReleases 0, 2.5 or 10000 / THEN each throws naming the prop
    expect(() => build({ keepReleases: 0 })).toThrow(/props\.keepReleases must be an integer from 1 to 9999, got 0/);
    expect(() => build({ keepReleases: 2.5 })).toThrow(
      /props\.keepReleases must be an integer from 1 to 9999, got 2\.5/,
    );
    expect(() => build({ keepReleases: 10000 })).toThrow(/props\.keepReleases .* got 10000/);
    let error: unknown;
    try {
      build({ keepReleases: 0 });
    } catch (caught) {
      error = caught;
    }
    expect(Errors.isValidationError(error)).toBe(true);
  });
});
