module.exports = {
  displayName: '@gantry/containers',
  preset: '../../jest.preset.js',
};
