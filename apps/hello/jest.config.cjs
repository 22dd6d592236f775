module.exports = {
  displayName: 'hello',
  preset: '../../jest.preset.js',
};
