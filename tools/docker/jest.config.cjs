module.exports = {
  displayName: '@gantry/docker',
  preset: '../../jest.preset.js',
};
