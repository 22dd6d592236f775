module.exports = {
  displayName: '@gantry/process',
  preset: '../../jest.preset.js',
};
