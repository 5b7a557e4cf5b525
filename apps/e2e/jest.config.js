// Black-box tests against the running platform (scripts/test.sh runs them with --runInBand).
// globalSetup starts the built services (npm run build first) on a fresh database; the tests
// drive them through the gateway.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'e2e',
  rootDir: __dirname,
  // Fault specs here stop processes of the platform they start themselves (scripts/test.sh runs
  // them one at a time with the rest of the suite).
  testMatch: ['**/*.e2e-spec.ts', '**/*.fault-spec.ts'],
  globalSetup: '<rootDir>/src/support/global-setup.ts',
  globalTeardown: '<rootDir>/src/support/global-teardown.ts',
  // The fuzz harness, then the log audit, run after every other suite.
  testSequencer: '<rootDir>/test-sequencer.js',
  testTimeout: 30000, // with -c apps/e2e/jest.config.js; from the root, test-timeout.ts
  setupFilesAfterEnv: ['<rootDir>/src/support/test-timeout.ts'],
};
