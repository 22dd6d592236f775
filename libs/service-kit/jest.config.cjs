module.exports = {
  displayName: '@gantry/service-kit',
  preset: '../../jest.preset.js',
};
