// One jest config: four projects that differ only in which tests they match and which
// services their global setup starts. `npm run test:fast` runs all but e2e.
const base = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.(t|mt|j|mj)s$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2023' }, module: { type: 'commonjs' } }],
  },
  moduleFileExtensions: ['ts', 'mts', 'js', 'mjs', 'cjs', 'json'],
};

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 30000,
  maxConcurrency: 24,
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...base,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/integration-global-setup.ts',
    },
    {
      ...base,
      displayName: 'aws',
      testMatch: ['<rootDir>/test/aws/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/aws-global-setup.ts',
      globalTeardown: '<rootDir>/test/support/aws-global-teardown.ts',
    },
    {
      ...base,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/e2e-global-setup.ts',
      globalTeardown: '<rootDir>/test/support/e2e-global-teardown.ts',
    },
  ],
};
