const nxPreset = require('@nx/jest/preset').default;

// One SWC transform for every project, so project jest configs stay two lines.
module.exports = {
  ...nxPreset,
  testEnvironment: 'node',
  transform: {
    '^.+\\.[tj]s$': [
      '@swc/jest',
      { swcrc: false, jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } },
    ],
    '^.+\\.sql$': require.resolve('./libs/database/jest-sql-transform.cjs'),
  },
  moduleFileExtensions: ['ts', 'js', 'json', 'sql'],
  testEnvironmentOptions: { customExportConditions: ['@gantry/source', 'node', 'require', 'default'] },
  coverageDirectory: 'test-output/jest/coverage',
  // JUnit XML per project for the CodeBuild reports group (buildspec.yml).
  reporters: ['default', ['jest-junit', { outputDirectory: '<rootDir>/test-output/junit', outputName: 'junit.xml' }]],
};
