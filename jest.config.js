/**
 * Four projects: unit (no I/O), integration (real local emulators, started once), template (the packaged stack), and
 * e2e (the site in Debian's Chromium against the local stack).
 */
// The SDK warns that this machine's Node 20 will be unsupported by future SDK releases; the functions run on 24.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const swc = ['@swc/jest', { jsc: { target: 'es2022' } }];
// p-throttle ships ES modules only; Jest's CommonJS runtime requires them only on Node ≥ 24.9, so on this project's
// Node 20 it is compiled like the sources (the welcome mailer's pacing).
const ESM_ONLY = ['p-throttle'];
// The report queries are imported as text (functions/reports/queries.ts), as esbuild's text loader bundles them.
const sqlText = '<rootDir>/test/support/text-transform.cjs';
const transform = { '^.+\\.ts$': swc, '^.+\\.sql$': sqlText, [`/node_modules/(${ESM_ONLY.join('|')})/.+\\.js$`]: swc };
const transformIgnorePatterns = [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`];
const setupFiles = ['<rootDir>/test/setup-env.ts'];

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { displayName: 'unit', testEnvironment: 'node', transform, transformIgnorePatterns, setupFiles, testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      setupFiles,
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/integration/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/global-teardown.ts',
    },
    {
      displayName: 'template',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      setupFiles,
      testMatch: ['<rootDir>/test/template/**/*.test.ts'],
      globalSetup: '<rootDir>/test/template/global-setup.ts',
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      setupFiles,
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/test/e2e/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/global-teardown.ts',
    },
  ],
};
