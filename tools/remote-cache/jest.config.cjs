module.exports = {
  displayName: '@gantry/remote-cache',
  preset: '../../jest.preset.js',
};
