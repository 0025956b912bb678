// Integration tests of a project: its unit jest config, narrowed to *.int-spec.ts, with the
// real servers provisioned once by the global setup.
const path = require('node:path');

/** @param {import('jest').Config & { displayName: string }} unit @param {import('jest').Config} [overrides] */
module.exports = function integrationConfig(unit, overrides = {}) {
  return {
    ...unit,
    displayName: `${unit.displayName}:int`,
    testMatch: ['<rootDir>/src/**/*.int-spec.ts'],
    testTimeout: 60_000,
    globalSetup: path.join(__dirname, 'int-global-setup.cjs'),
    ...overrides,
  };
};
