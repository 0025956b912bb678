// Integration tests need real Kafka, Redis and PostgreSQL. `npm test` provisions them once and
// passes their URLs in the environment; when a single project's int-test runs on its own, ask
// the (idempotent) provisioning script for them here instead.
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const KEYS = ['KAFKA_BROKERS', 'REDIS_URL', 'DATABASE_URL'];

module.exports = async function globalSetup() {
  if (KEYS.every((key) => process.env[key])) return;
  const up = path.join(__dirname, '..', 'infra', 'up');
  let out;
  try {
    out = execFileSync(up, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  } catch (error) {
    throw new Error(
      `integration tests need Kafka, Redis and PostgreSQL: ${up} failed (${error instanceof Error ? error.message : String(error)}). ` +
        'Start them yourself and set KAFKA_BROKERS, REDIS_URL and DATABASE_URL.',
    );
  }
  for (const line of out.split('\n')) {
    const match = /^export ([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match && !process.env[match[1]]) process.env[match[1]] = match[2];
  }
};
