#!/usr/bin/env node
// @ts-check
// How long from a committed order change to its event being on Kafka.
//
//   npx nx build order-tracking && node tools/bench/outbox-latency.mjs [--changes=1000] [--rate=50]
//
// Starts the built order-tracking (dist/apps/order-tracking) on PostgreSQL and Kafka (from the
// environment, or provisioned by tools/infra/up), in a schema and topic namespace of its own, makes
// `--changes` changes over REST at about `--rate` per second (one client, so latency is measured,
// not saturation), and prints the median, p90 and p99 of:
//   commit → acked   outbox.sent_at − outbox.created_at: clock_timestamp() at the change's last
//                    statement before COMMIT, and after the broker acknowledged the event (acks=all);
//   REST → consumer  from the HTTP response of the change (the commit happened before it) to a
//                    kafkajs consumer receiving the event (an upper bound of "on Kafka").
// The service gets the caller's OTEL_* variables: run it with and without an OTLP endpoint to see
// what tracing costs.
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
const { Kafka, logLevel } = require('kafkajs');
const { Pool } = require('pg');
const { JwtService } = require('@nestjs/jwt');

const arg = (/** @type {string} */ name, /** @type {number} */ fallback) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const CHANGES = arg('changes', 1000);
const RATE = arg('rate', 50);
const STEPS = ['confirmed', 'packed', 'shipped', 'out_for_delivery', 'delivered'];
const main = join(ROOT, 'dist', 'apps', 'order-tracking');
if (!existsSync(main)) throw new Error(`${main} is missing: run npx nx build order-tracking first`);

if (!process.env.DATABASE_URL || !process.env.KAFKA_BROKERS) {
  const out = execFileSync(join(ROOT, 'tools', 'infra', 'up'), {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  for (const match of out.matchAll(/^export ([A-Z_]+)=(.*)$/gm)) process.env[match[1]] ??= match[2];
}
const { DATABASE_URL = '', KAFKA_BROKERS = '' } = process.env;
const run = `olat${Date.now().toString(36)}`;
const schema = `bench_${run}`;
const prefix = `bench-${run}.`;
const JWT = {
  JWT_SECRET: 'outbox-latency-bench-secret-0123456789abcdef',
  JWT_ISSUER: 'bench',
  JWT_AUDIENCE: 'shopnest-live',
};
const token = new JwtService().sign(
  { sub: 'bench', roles: ['service', 'ops'] },
  { secret: JWT.JWT_SECRET, issuer: JWT.JWT_ISSUER, audience: JWT.JWT_AUDIENCE, expiresIn: 3600 },
);

const port = await new Promise((resolve) => {
  const server = createServer().listen(0, '127.0.0.1', () => {
    const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
    server.close(() => resolve(port));
  });
});
const url = `http://127.0.0.1:${port}`;
const service = spawn(process.execPath, [main], {
  cwd: ROOT,
  stdio: ['ignore', 'inherit', 'inherit'],
  env: {
    PATH: process.env.PATH,
    ...JWT,
    PORT: String(port),
    LOG_LEVEL: 'warn',
    DATABASE_URL,
    DATABASE_SCHEMA: schema,
    EVENT_BUS: 'kafka',
    KAFKA_BROKERS,
    KAFKA_TOPIC_PREFIX: prefix,
    // Tracing off unless the caller turns it on: OTEL_EXPORTER_OTLP_ENDPOINT=... compares the cost.
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('OTEL_'))),
  },
});
const db = new Pool({ connectionString: DATABASE_URL, max: 1 });
const kafka = new Kafka({
  brokers: KAFKA_BROKERS.split(','),
  clientId: 'outbox-latency-bench',
  logLevel: logLevel.NOTHING,
});
const consumer = kafka.consumer({ groupId: `${prefix}reader`, maxWaitTimeInMs: 100 });

async function cleanup() {
  service.kill('SIGTERM');
  await consumer.disconnect().catch(() => undefined);
  await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
  await db.end();
}

try {
  for (let ready = false, deadline = Date.now() + 60_000; !ready; ) {
    if (Date.now() > deadline) throw new Error('order-tracking was not ready within 60 s');
    ready = await fetch(`${url}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (!ready) await new Promise((resolve) => setTimeout(resolve, 200));
  }

  /** `${orderId}:${sequence}` → when the consumer received it */
  const received = new Map();
  await consumer.connect();
  // The service created the topic, but on a loaded machine the broker may not list it yet.
  for (let tries = 1; ; tries++) {
    try {
      await consumer.subscribe({ topic: `${prefix}shopnest.orders.v1`, fromBeginning: true });
      break;
    } catch (error) {
      if (tries >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  await consumer.run({
    eachMessage: async ({ message }) => {
      const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
      received.set(`${headers.ce_subject}:${headers.ce_sequence}`, performance.now());
    },
  });

  /** @returns {Promise<{ order: { id: string, version: number }, at: number }>} */
  const call = async (/** @type {string} */ method, /** @type {string} */ path, /** @type {unknown} */ body) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return { order: /** @type {{ id: string, version: number }} */ (await response.json()), at: performance.now() };
  };

  /** `${orderId}:${version}` → when the change's HTTP response arrived */
  const committed = new Map();
  /** @type {{ id: string, version: number } | null} */
  let order = null;
  let step = 0;
  const started = performance.now();
  for (let i = 0; i < CHANGES; i++) {
    const due = started + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    /** @type {{ order: { id: string, version: number }, at: number }} */
    const result =
      order === null || step === STEPS.length
        ? await call('POST', '/orders', { itemsSummary: 'bench', totalCents: 1, customerId: `c-${i}` })
        : await call('PATCH', `/orders/${order.id}/status`, { status: STEPS[step] });
    step = order === null || step === STEPS.length ? 0 : step + 1;
    order = result.order;
    committed.set(`${order.id}:${order.version}`, result.at);
  }
  for (let deadline = Date.now() + 60_000; received.size < committed.size; ) {
    if (Date.now() > deadline) throw new Error(`only ${received.size} of ${committed.size} events arrived within 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  const percentiles = (/** @type {number[]} */ values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const at = (/** @type {number} */ p) =>
      sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
    return { n: sorted.length, p50: at(50), p90: at(90), p99: at(99), max: sorted[sorted.length - 1] };
  };
  const { rows } = await db.query(
    `SELECT extract(epoch FROM sent_at - created_at) * 1000 AS ms FROM ${schema}.outbox WHERE sent_at IS NOT NULL`,
  );
  const server = percentiles(rows.map((row) => Number(row.ms)));
  const endToEnd = percentiles([...committed].map(([key, at]) => received.get(key) - at));
  const fmt = (/** @type {Record<string, number>} */ p) =>
    `median ${p.p50.toFixed(1)} ms, p90 ${p.p90.toFixed(1)} ms, p99 ${p.p99.toFixed(1)} ms, max ${p.max.toFixed(1)} ms (n=${p.n})`;
  process.stdout.write(
    `outbox latency: ${CHANGES} changes at ~${RATE}/s over REST, one order-tracking on PostgreSQL + Kafka (${KAFKA_BROKERS})\n` +
      `  commit → acked by Kafka:  ${fmt(server)}\n` +
      `  REST response → consumer: ${fmt(endToEnd)}\n`,
  );
} finally {
  await cleanup();
}
