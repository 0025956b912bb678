// Baseline of scenario 7: bare Fastify + pg (no Nest, no auth, no validation library, no logs,
// no metrics, no outbox relay) doing what order-tracking does for the same requests, on the same
// schema, with order-tracking's own statements, state machine and event factories, loaded from
// its build (dist/apps/order-tracking): POST /orders is the single-statement insert of the order
// and its outbox row; PATCH /orders/:id/status reads the order, moves it on, then runs the
// single-statement change (update, release a waiting position, outbox append). After each commit
// it wakes the relays as order-tracking does: a NOTIFY of its own, coalesced (platform-sql's `coalesced`).
// GET /ping answers without touching the database: the load generator's own ceiling.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import Fastify from 'fastify';
import pg from 'pg';
import { ROOT } from './processes.mjs';

const lib = join(ROOT, 'dist', 'apps', 'order-tracking', 'libs', 'orders', 'src', 'lib');
const require = createRequire(import.meta.url);
/** @type {{ CREATE_ORDER: string, CHANGE_ORDER: string, ORDER_COLUMNS: string, toOrder: (row: unknown) => any,
 *   createOrderParams: (...args: unknown[]) => unknown[], changeOrderParams: (...args: unknown[]) => unknown[] }} */
const sql = require(join(lib, 'sql', 'order-sql.js'));
const { placeOrder, transition } = require(join(lib, 'order.js'));
const { orderCreatedEvent, orderStatusChangedEvent } = require(join(lib, 'order-events.factory.js'));
/** @type {{ coalesced: (run: () => Promise<void>, onError: (error: unknown) => void) => () => void }} */
const { coalesced } = require(
  join(ROOT, 'dist', 'apps', 'order-tracking', 'libs', 'platform', 'sql', 'src', 'lib', 'coalesced.js'),
);

const port = Number(process.env['PORT']);
const schema = process.env['DATABASE_SCHEMA'] ?? 'public';
// As platform-sql's PgDatabase configures its pool.
const timeoutMs = 5_000;
const pool = new pg.Pool({
  connectionString: process.env['DATABASE_URL'],
  max: Number(process.env['DATABASE_POOL_MAX'] ?? 10),
  connectionTimeoutMillis: timeoutMs,
  query_timeout: timeoutMs + 1000,
  options: `-c search_path=${schema} -c statement_timeout=${timeoutMs}`,
  application_name: 'bench-bare-orders',
});
/** order-tracking's NOTIFY channel (outboxNotifyChannel of platform-outbox), so its relay publishes these events too. */
const channel = `outbox_${schema}`;
/** @type {[null, null]} no tracing */
const noTrace = [null, null];
// As PgDatabase does: a connection of its own, one NOTIFY at a time.
const signalPool = new pg.Pool({ connectionString: process.env['DATABASE_URL'], max: 1 });
const wakeRelays = coalesced(
  () => signalPool.query("SELECT pg_notify($1, '')", [channel]).then(() => undefined),
  (error) => console.error(`NOTIFY failed: ${error}`),
);

const app = Fastify({ logger: false });

app.get('/ping', async () => ({ ok: true }));

app.post('/orders', async (request, reply) => {
  const body = /** @type {{ itemsSummary: string, totalCents: number }} */ (request.body);
  const at = new Date();
  const order = placeOrder({ customerId: 'bench-customer', ...body }, at);
  await pool.query(sql.CREATE_ORDER, sql.createOrderParams(order, orderCreatedEvent(order, at), noTrace));
  wakeRelays();
  void reply.code(201).header('etag', `"${order.version}"`).header('location', `/orders/${order.id}`);
  return order;
});

app.patch('/orders/:id/status', async (request, reply) => {
  const { id } = /** @type {{ id: string }} */ (request.params);
  const { status } = /** @type {{ status: string }} */ (request.body);
  const { rows } = await pool.query(`SELECT ${sql.ORDER_COLUMNS} FROM orders WHERE id = $1`, [id]);
  if (rows.length === 0) return reply.code(404).send({ code: 'NOT_FOUND', message: `order ${id}` });
  const current = sql.toOrder(rows[0]);
  const at = new Date();
  let next;
  try {
    next = transition(current, status, at);
  } catch (error) {
    return reply.code(409).send({ code: 'CONFLICT', message: String(error) });
  }
  const event = orderStatusChangedEvent(next, current.status, at);
  const result = await pool.query(sql.CHANGE_ORDER, sql.changeOrderParams(next, current.version, event, noTrace));
  if (result.rows[0]?.updated !== 1) return reply.code(409).send({ code: 'CONFLICT', message: 'version' });
  wakeRelays();
  void reply.header('etag', `"${next.version}"`);
  return next;
});

await app.listen({ port, host: '127.0.0.1' });
process.send?.({ type: 'ready', port });

const shutdown = () => {
  void app
    .close()
    .then(() => Promise.all([pool.end(), signalPool.end()]))
    .finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 2_000).unref();
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
