module.exports = {
  displayName: '@gantry/release',
  preset: '../../jest.preset.js',
  testTimeout: 120000,
};
