/** Three projects: unit (no I/O), integration (real local emulators, started once), template (the packaged stack). */
const transform = { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] };

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { displayName: 'unit', testEnvironment: 'node', transform, testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/integration/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/global-teardown.ts',
    },
    {
      displayName: 'template',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/template/**/*.test.ts'],
      globalSetup: '<rootDir>/test/template/global-setup.ts',
    },
  ],
};
