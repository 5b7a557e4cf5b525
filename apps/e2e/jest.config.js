// Black-box tests against the running platform: globalSetup builds nothing; it starts the built
// services (npm run build first) on a fresh database and drives them through the gateway.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'e2e',
  rootDir: __dirname,
  testMatch: ['**/*.e2e-spec.ts'],
  globalSetup: '<rootDir>/src/support/global-setup.ts',
  globalTeardown: '<rootDir>/src/support/global-teardown.ts',
  testTimeout: 30000,
  maxWorkers: 1,
};
