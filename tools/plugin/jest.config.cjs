module.exports = {
  displayName: '@gantry/plugin',
  preset: '../../jest.preset.js',
};
