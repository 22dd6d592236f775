import { Duration, RemovalPolicy, ValidationError } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { deployedTag, repositoryName } from '@gantry/service-catalog';
import { Construct } from 'constructs';
import { errorName } from '../errors';

/** Tag pattern of release images: the image step tags each with its semver version (and `sha-<commit>`). */
export const RELEASE_TAG_PATTERN = '*.*.*';

/**
 * Count of the rule that keeps every `deployed-*` image: far above any number of environments (each has one such
 * tag), so the rule never expires anything. 9999 is what the CDK docs use to keep a tag's images.
 */
export const KEEP_ALL_DEPLOYED = 9999;

export interface ServiceRepositoryProps {
  /** The catalog service whose images this repository holds; the repository is `repositoryName(service)`. */
  readonly service: string;
  /**
   * Release images (tags like `1.2.3`) kept, newest first; older ones expire unless an environment runs them.
   * @default 20
   */
  readonly keepReleases?: number;
}

/**
 * One service's image repository: immutable release tags, scan on push, a lifecycle policy that never expires
 * an image an environment runs (`deployedTag(env)`) or one of the last `keepReleases` releases. It lives in the
 * pipeline stack, which exists before any image is pushed, so the first push never waits for a service stack.
 */
export class ServiceRepository extends Construct {
  public readonly repository: ecr.Repository;

  constructor(scope: Construct, id: string, props: ServiceRepositoryProps) {
    super(scope, id);
    const keepReleases = props.keepReleases ?? 20;
    if (!Number.isInteger(keepReleases) || keepReleases < 1 || keepReleases > KEEP_ALL_DEPLOYED) {
      throw new ValidationError(
        errorName('ServiceRepositoryKeepReleases'),
        `ServiceRepository: props.keepReleases must be an integer from 1 to ${KEEP_ALL_DEPLOYED}, got ${keepReleases}`,
        this,
      );
    }
    const deployed = deployedTag('*');
    this.repository = new ecr.Repository(this, 'Repository', {
      repositoryName: repositoryName(props.service),
      imageScanOnPush: true,
      // Release tags never move. Mutable: `buildcache`, the BuildKit registry cache rewritten by every build, and
      // `deployed-<env>`, which the pipeline moves to the image each environment runs after it deploys.
      imageTagMutability: ecr.TagMutability.IMMUTABLE_WITH_EXCLUSION,
      imageTagMutabilityExclusionFilters: [
        ecr.ImageTagMutabilityExclusionFilter.wildcard('buildcache'),
        ecr.ImageTagMutabilityExclusionFilter.wildcard(deployed),
      ],
      removalPolicy: RemovalPolicy.RETAIN,
      // ECR: an image whose tags a higher-priority rule selects is never expired by a lower one, so rule 1 shields it.
      // No `any` rule: it must be last and counts protected images too; only old releases and untagged images expire.
      lifecycleRules: [
        {
          description: `Keep every image an environment runs (${deployed})`,
          tagStatus: ecr.TagStatus.TAGGED,
          tagPatternList: [deployed],
          maxImageCount: KEEP_ALL_DEPLOYED,
          rulePriority: 1,
        },
        {
          description: `Keep the last ${keepReleases} release images (${RELEASE_TAG_PATTERN})`,
          tagStatus: ecr.TagStatus.TAGGED,
          tagPatternList: [RELEASE_TAG_PATTERN],
          maxImageCount: keepReleases,
          rulePriority: 2,
        },
        {
          description: 'Drop untagged layers and manifests after 7 days',
          tagStatus: ecr.TagStatus.UNTAGGED,
          maxImageAge: Duration.days(7),
          rulePriority: 3,
        },
      ],
    });
  }
}
