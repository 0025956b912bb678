#!/usr/bin/env node
// Mints a development access token accepted by services started with tools/dev/dev.env.
// Usage: node tools/dev/token.mjs <userId> [role,role...] [ttlSeconds]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const { JwtService } = require('@nestjs/jwt');

/** @returns {Record<string, string>} the KEY=value lines of tools/dev/dev.env */
export function devEnv() {
  /** @type {Record<string, string>} */
  const env = {};
  for (const line of readFileSync(join(here, 'dev.env'), 'utf8').split('\n')) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match) env[match[1]] = match[2];
  }
  return env;
}

/** @param {string} userId @param {string[]} [roles] @param {number} [ttlSeconds] */
export function devToken(userId, roles = ['customer'], ttlSeconds = 3600) {
  const env = devEnv();
  return new JwtService().sign(
    { sub: userId, roles },
    { secret: env.JWT_SECRET, issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE, expiresIn: ttlSeconds },
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [userId, roles = 'customer', ttl = '3600'] = process.argv.slice(2);
  if (!userId) {
    process.stderr.write('usage: node tools/dev/token.mjs <userId> [role,role...] [ttlSeconds]\n');
    process.exit(2);
  }
  process.stdout.write(`${devToken(userId, roles.split(','), Number(ttl))}\n`);
}
