import { DEFAULT_SHARDS, deployMode, repositoryPrefix, shardSettings } from './settings';

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

describe('shard settings', () => {
  it('takes the measured defaults, and names a bad value', () => {
    expect(shardSettings({})).toEqual(DEFAULT_SHARDS);
    expect(shardSettings({ GANTRY_SHARDS: '4', GANTRY_SHARD_PROJECTS: '2', GANTRY_SHARD_IMAGES: '1' })).toEqual({
      count: 4,
      projectsPerShard: 2,
      imagesPerShard: 1,
    });
    expect(() => shardSettings({ GANTRY_SHARD_PROJECTS: '0' })).toThrow(
      'GANTRY_SHARD_PROJECTS must be a whole number from 1 to 10000, got "0"',
    );
  });
});
