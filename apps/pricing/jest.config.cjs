module.exports = {
  displayName: 'pricing',
  preset: '../../jest.preset.js',
  // cockatiel 4 ships only ES modules; let the preset's SWC transform turn it into CommonJS like our own code.
  transformIgnorePatterns: ['/node_modules/(?!cockatiel/)'],
};
