// Integration tests: *.int-spec.ts against real servers (see tools/test/int-global-setup.cjs).
const unit = require('./jest.config.cjs');

module.exports = {
  ...unit,
  displayName: `${unit.displayName}:int`,
  testMatch: ['<rootDir>/src/**/*.int-spec.ts'],
  testTimeout: 60_000,
  globalSetup: '<rootDir>/../../tools/test/int-global-setup.cjs',
};
