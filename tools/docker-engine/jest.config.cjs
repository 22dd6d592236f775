module.exports = {
  displayName: '@gantry/docker-engine',
  preset: '../../jest.preset.js',
};
