module.exports = {
  displayName: '@gantry/service-catalog',
  preset: '../../jest.preset.js',
};
