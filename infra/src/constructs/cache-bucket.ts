import { CfnResource, Duration, RemovalPolicy, Stack, ValidationError, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, type IConstruct } from 'constructs';
import { errorName } from '../errors';

export interface CacheBucketProps {
  /**
   * The one role that may write entries: the checks role of the trusted pipeline of main. Every other
   * principal is denied s3:PutObject by the bucket policy, whatever its own policy allows (CVE-2025-36852).
   */
  readonly writer: iam.IRole;
  /**
   * Key prefix of the Nx entries, as the adapter's GANTRY_CACHE_PREFIX.
   * @default 'nx-cache/'
   */
  readonly prefix?: string;
  /**
   * Days an entry is kept.
   * @default 30
   */
  readonly expirationDays?: number;
}

/**
 * The Nx remote cache's bucket, with its trust rules in the bucket policy rather than only in the adapter:
 * one writer role, and writes only with `If-None-Match: *`, so no entry is ever overwritten (S3 answers 412).
 * Versioning keeps what a write replaced anyway; entries expire, and so do the versions expiry leaves behind.
 */
export class CacheBucket extends Construct {
  public readonly bucket: s3.Bucket;
  public readonly prefix: string;
  public readonly writer: iam.IRole;

  constructor(scope: Construct, id: string, props: CacheBucketProps) {
    super(scope, id);
    this.prefix = props.prefix ?? 'nx-cache/';
    this.writer = props.writer;
    const days = props.expirationDays ?? 30;
    if (!Number.isInteger(days) || days < 1) {
      throw new ValidationError(
        errorName('CacheBucketExpirationDays'),
        `CacheBucket: props.expirationDays must be a whole number of days, 1 or more, got ${days}`,
        this,
      );
    }
    if (!/^[A-Za-z0-9!_.'()-]+(\/[A-Za-z0-9!_.'()-]+)*\/$/.test(this.prefix)) {
      throw new ValidationError(
        errorName('CacheBucketPrefix'),
        `CacheBucket: props.prefix must be a key prefix ending in "/", such as nx-cache/, got ${JSON.stringify(this.prefix)}`,
        this,
      );
    }

    // "Default" keeps the logical ID the bucket had before it moved into this construct.
    this.bucket = new s3.Bucket(this, 'Default', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: false,
      lifecycleRules: [
        {
          id: 'ExpireEntries',
          expiration: Duration.days(days),
          // Only expiry (a delete marker) makes a version noncurrent: conditional writes never replace one.
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
        { id: 'RemoveExpiredDeleteMarkers', expiredObjectDeleteMarker: true },
      ],
    });

    const objects = this.bucket.arnForObjects('*');
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyTheTrustedChecksRoleWrites',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [objects],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': this.writer.roleArn } },
      }),
    );
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'EntriesAreNeverOverwritten',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [objects],
        // PutObject and CompleteMultipartUpload must carry If-None-Match; CreateMultipartUpload and UploadPart
        // (ObjectCreationOperation false) cannot, and create nothing by themselves.
        conditions: { Null: { 's3:if-none-match': 'true' }, Bool: { 's3:ObjectCreationOperation': 'true' } },
      }),
    );

    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Holds only disposable, reproducible Nx task outputs that the lifecycle rule expires; server access logs would cost more than the data is worth.',
    });
    this.grantRead(this.writer);
    this.writer.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'NxCacheWrite',
        actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
        resources: [this.entries()],
      }),
    );
  }

  /** The ARN pattern of every entry. */
  entries(): string {
    return this.bucket.arnForObjects(`${this.prefix}*`);
  }

  /** Acknowledges the entries wildcard in `scope`'s statements (a role or policy granted part of this cache). */
  acknowledgeEntries(scope: IConstruct): void {
    const stack = Stack.of(this);
    const bucket = stack.resolve(stack.getLogicalId(this.bucket.node.defaultChild as CfnResource)) as string;
    Validations.of(scope).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucket}.Arn>/${this.prefix}*]`,
      reason: `The Nx cache keeps one object per task hash under the ${this.prefix} prefix of its own bucket; the names are not known in advance.`,
    });
  }

  /** Lets `role` run the adapter read-only: probe and list the bucket, read entries, and nothing else. */
  grantRead(role: iam.IRole): void {
    this.acknowledgeEntries(role);
    // Without s3:ListBucket a missing key answers 403 instead of 404, which the adapter reports as S3 trouble.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'NxCacheList', actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'NxCacheRead', actions: ['s3:GetObject'], resources: [this.entries()] }),
    );
  }
}
