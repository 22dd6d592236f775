module.exports = {
  displayName: '@gantry/smoke-checks',
  preset: '../../jest.preset.js',
};
