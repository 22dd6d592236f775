import { Duration, RemovalPolicy, ValidationError } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { repositoryName } from '@gantry/service-catalog';
import { Construct } from 'constructs';
import { errorName } from '../errors';

export interface ServiceRepositoryProps {
  /** The catalog service whose images this repository holds; the repository is `repositoryName(service)`. */
  readonly service: string;
  /**
   * Images kept, newest first; older ones expire.
   * @default 50
   */
  readonly keepImages?: number;
}

/**
 * One service's image repository: immutable release tags, scan on push, a lifecycle rule. It lives in the
 * pipeline stack, which exists before any image is pushed, so the first push never waits for a service stack.
 */
export class ServiceRepository extends Construct {
  public readonly repository: ecr.Repository;

  constructor(scope: Construct, id: string, props: ServiceRepositoryProps) {
    super(scope, id);
    const keepImages = props.keepImages ?? 50;
    if (!Number.isInteger(keepImages) || keepImages < 1) {
      throw new ValidationError(
        errorName('ServiceRepositoryKeepImages'),
        `ServiceRepository: props.keepImages must be a positive integer, got ${keepImages}`,
        this,
      );
    }
    this.repository = new ecr.Repository(this, 'Repository', {
      repositoryName: repositoryName(props.service),
      imageScanOnPush: true,
      // Release tags never move; `buildcache` is the BuildKit registry cache, rewritten by every build.
      imageTagMutability: ecr.TagMutability.IMMUTABLE_WITH_EXCLUSION,
      imageTagMutabilityExclusionFilters: [ecr.ImageTagMutabilityExclusionFilter.wildcard('buildcache')],
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          description: 'Drop untagged layers and manifests',
          tagStatus: ecr.TagStatus.UNTAGGED,
          maxImageAge: Duration.days(7),
          rulePriority: 1,
        },
        {
          description: `Keep the last ${keepImages} images`,
          tagStatus: ecr.TagStatus.ANY,
          maxImageCount: keepImages,
          rulePriority: 2,
        },
      ],
    });
  }
}
