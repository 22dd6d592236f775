module.exports = {
  displayName: '@gantry/database',
  preset: '../../jest.preset.js',
  globalSetup: './src/jest-global-setup.ts',
  globalTeardown: './src/jest-global-teardown.ts',
};
