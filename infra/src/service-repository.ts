import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { Construct } from 'constructs';

/** The ECR repository name of a service: the pipeline's GANTRY_REPOSITORY_PREFIX plus its name. */
export function repositoryName(service: string): string {
  return `gantry/${service}`;
}

export interface ServiceRepositoryProps {
  /** The catalog service whose images this repository holds. */
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
    this.repository = new ecr.Repository(this, 'Repository', {
      repositoryName: repositoryName(props.service),
      imageScanOnPush: true,
      // Release tags never move; `buildcache` is the BuildKit registry cache, rewritten by every build.
      imageTagMutability: ecr.TagMutability.IMMUTABLE_WITH_EXCLUSION,
      imageTagMutabilityExclusionFilters: [ecr.ImageTagMutabilityExclusionFilter.wildcard('buildcache')],
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        { description: 'Drop untagged layers and manifests', tagStatus: ecr.TagStatus.UNTAGGED, maxImageAge: Duration.days(7), rulePriority: 1 },
        { description: `Keep the last ${props.keepImages ?? 50} images`, tagStatus: ecr.TagStatus.ANY, maxImageCount: props.keepImages ?? 50, rulePriority: 2 },
      ],
    });
  }
}
