module.exports = {
  displayName: '@gantry/local-platform',
  preset: '../../jest.preset.js',
};
