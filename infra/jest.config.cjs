module.exports = {
  displayName: 'infra',
  preset: '../jest.preset.js',
  // Synthesizing whole CDK apps is CPU-heavy; the default 5 s is too short on a cold cache.
  testTimeout: 60_000,
};
