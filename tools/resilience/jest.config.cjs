module.exports = {
  displayName: '@gantry/resilience',
  preset: '../../jest.preset.js',
};
