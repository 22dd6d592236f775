module.exports = {
  displayName: '@gantry/pipeline',
  preset: '../../jest.preset.js',
};
