import { imageParameterName, platformUrlParameterName } from './parameters';

describe('SSM parameter names', () => {
  it('puts each service image tag and the platform URL under the environment', () => {
    // GIVEN / WHEN / THEN the paths the pipeline stack's IAM grants and docs/deploy.md name
    expect(imageParameterName('prod', 'hello')).toBe('/gantry/prod/images/hello');
    expect(platformUrlParameterName('prod')).toBe('/gantry/prod/platform/url');
  });
});
