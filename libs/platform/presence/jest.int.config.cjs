// Integration tests: *.int-spec.ts against real servers.
module.exports = require('../../../tools/test/jest-int-config.cjs')(require('./jest.config.cjs'));
