module.exports = {
  displayName: '@gantry/catalog',
  preset: '../../jest.preset.js',
};
