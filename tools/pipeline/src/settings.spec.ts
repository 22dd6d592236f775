import { deployMode, repositoryPrefix } from './settings';

describe('pipeline settings', () => {
  it('deploys nowhere unless GANTRY_DEPLOY says cdk or local, and names a bad value', () => {
    expect(deployMode({})).toBe('synth');
    expect(deployMode({ GANTRY_DEPLOY: 'local' })).toBe('local');
    expect(deployMode({ GANTRY_DEPLOY: 'cdk' })).toBe('cdk');
    expect(() => deployMode({ GANTRY_DEPLOY: 'aws' })).toThrow(
      'GANTRY_DEPLOY must be cdk (AWS), local (the local stand-in) or synth (check only), got "aws"',
    );
  });

  it('pushes to gantry/<name> unless GANTRY_REPOSITORY_PREFIX says otherwise', () => {
    expect(repositoryPrefix({})).toBe('gantry');
    expect(repositoryPrefix({ GANTRY_REPOSITORY_PREFIX: 'team' })).toBe('team');
  });
});
