module.exports = {
  displayName: '@gantry/images',
  preset: '../../jest.preset.js',
};
