import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ServiceRepository } from './service-repository';

describe('ServiceRepository', () => {
  it('names the repository gantry/<service> and keeps the given number of images', () => {
    // GIVEN a repository for "orders" keeping 10 images
    const stack = new Stack(new App(), 'Test');
    new ServiceRepository(stack, 'Orders', { service: 'orders', keepImages: 10 });

    // WHEN / THEN it is gantry/orders with a lifecycle rule for the last 10 images
    Template.fromStack(stack).hasResourceProperties(
      'AWS::ECR::Repository',
      Match.objectLike({
        RepositoryName: 'gantry/orders',
        LifecyclePolicy: Match.objectLike({ LifecyclePolicyText: Match.stringLikeRegexp('"countNumber":10') }),
      }),
    );
  });

  it('throws a ValidationError naming props.keepImages when it is not a positive integer', () => {
    // GIVEN / WHEN keepImages 0 / THEN it throws naming the prop
    expect(
      () => new ServiceRepository(new Stack(new App(), 'Test'), 'Orders', { service: 'orders', keepImages: 0 }),
    ).toThrow(/props\.keepImages must be a positive integer, got 0/);
  });
});
