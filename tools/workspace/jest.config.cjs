module.exports = {
  displayName: '@gantry/workspace',
  preset: '../../jest.preset.js',
};
