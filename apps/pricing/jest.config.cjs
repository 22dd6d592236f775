module.exports = {
  displayName: '@gantry/pricing',
  preset: '../../jest.preset.js',
};
