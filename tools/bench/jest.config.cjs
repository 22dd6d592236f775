module.exports = {
  displayName: '@gantry/bench',
  preset: '../../jest.preset.js',
};
