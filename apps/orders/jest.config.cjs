module.exports = {
  displayName: 'orders',
  preset: '../../jest.preset.js',
  // A real PostgreSQL for the run, with orders' migrations applied to a template each spec file clones.
  globalSetup: './src/testing/jest-global-setup.ts',
  globalTeardown: './src/testing/jest-global-teardown.ts',
};
