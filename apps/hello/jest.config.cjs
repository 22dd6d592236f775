module.exports = {
  displayName: '@gantry/hello',
  preset: '../../jest.preset.js',
};
