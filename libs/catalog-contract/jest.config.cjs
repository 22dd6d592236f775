module.exports = {
  displayName: '@gantry/catalog-contract',
  preset: '../../jest.preset.js',
};
