// Integration tests: *.int-spec.ts against a real in-process socket.io server (no Kafka, Redis
// or PostgreSQL needed, so no infra global setup).
module.exports = require('../../tools/test/jest-int-config.cjs')(require('./jest.config.cjs'), {
  testTimeout: 30_000,
  globalSetup: undefined,
});
