import { App, Errors, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { CacheBucket, type CacheBucketProps } from './cache-bucket';

function build(props: Partial<CacheBucketProps> = {}) {
  const stack = new Stack(new App(), 'Test');
  const writer = new iam.Role(stack, 'Writer', { assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com') });
  const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com') });
  const cache = new CacheBucket(stack, 'Cache', { writer, ...props });
  cache.grantRead(reader);
  const statementsOf = (role: iam.Role) =>
    Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
      .filter((p) =>
        JSON.stringify(p.Properties.Roles).includes(stack.resolve(stack.getLogicalId(role.node.defaultChild as never))),
      )
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Sid: string; Action: string | string[] }>);
  return { stack, cache, template: Template.fromStack(stack), writer, reader, statementsOf };
}

describe('CacheBucket', () => {
  it('grants its writer read and write, and a reader only list and read, under the prefix', () => {
    // GIVEN / WHEN a cache with a custom prefix, one writer and one reader
    const { statementsOf, writer, reader } = build({ prefix: 'ci/nx/' });

    // THEN the writer holds the write statement and the reader does not
    expect(statementsOf(writer).map((s) => [s.Sid, s.Action])).toEqual([
      ['NxCacheList', 's3:ListBucket'],
      ['NxCacheRead', 's3:GetObject'],
      ['NxCacheWrite', ['s3:PutObject', 's3:AbortMultipartUpload']],
    ]);
    expect(statementsOf(reader).map((s) => [s.Sid, s.Action])).toEqual([
      ['NxCacheList', 's3:ListBucket'],
      ['NxCacheRead', 's3:GetObject'],
    ]);
    expect(JSON.stringify(statementsOf(reader))).toContain('/ci/nx/*');
  });

  it('expires entries after expirationDays', () => {
    const { template } = build({ expirationDays: 7 });

    const [bucket] = Object.values(template.findResources('AWS::S3::Bucket'));
    expect(bucket.Properties.LifecycleConfiguration.Rules[0]).toMatchObject({
      Id: 'ExpireEntries',
      ExpirationInDays: 7,
    });
  });

  it('refuses an expiry that is not a whole number of days, naming the prop', () => {
    expect(() => build({ expirationDays: 0 })).toThrow(
      /props\.expirationDays must be a whole number of days, 1 or more, got 0/,
    );
    let error: unknown;
    try {
      build({ expirationDays: 1.5 });
    } catch (caught) {
      error = caught;
    }
    expect(Errors.isValidationError(error)).toBe(true);
  });

  it.each(['nx-cache', '/nx-cache/', 'nx cache/', ''])(
    'refuses the prefix %j, which the adapter could not use',
    (prefix) => {
      expect(() => build({ prefix })).toThrow(/props\.prefix must be a key prefix ending in "\/"/);
    },
  );
});
