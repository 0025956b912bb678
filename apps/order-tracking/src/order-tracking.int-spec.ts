import { ORDERS_TOPIC, OrderStatus } from '@shopnest/contracts';
import { IncomingMessage, KafkaEventBus } from '@shopnest/platform-event-bus';
import {
  dedicatedKafka,
  freePort,
  runId,
  ServiceProcess,
  signTestToken,
  startService,
  TEST_JWT_ENV,
  waitFor,
} from '@shopnest/testing';
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';

/**
 * order-tracking as built, against real PostgreSQL and Kafka: the outbox keeps every committed
 * change's event through a Kafka outage and a crash, and replicas sharing one database publish
 * each event once, in order per order.
 */

const DATABASE_URL = process.env['DATABASE_URL'] as string;
const SHARED_BROKERS = process.env['KAFKA_BROKERS'] as string;
if (!DATABASE_URL || !SHARED_BROKERS)
  throw new Error('DATABASE_URL and KAFKA_BROKERS must be set (the int-test globalSetup provides them)');

const STEPS: OrderStatus[] = ['confirmed', 'packed', 'shipped', 'out_for_delivery', 'delivered'];
const quiet = { error: () => undefined, warn: () => undefined, log: () => undefined };

const run = runId();
const schemas: string[] = [];
const services: ServiceProcess[] = [];
const buses: KafkaEventBus[] = [];
const db = new Pool({ connectionString: DATABASE_URL, max: 2 });

afterAll(async () => {
  await Promise.all(services.map((service) => service.stop()));
  await Promise.all(buses.map((bus) => bus.close()));
  for (const schema of schemas) await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await db.end();
});

// --- a private Kafka broker this file may stop and start: the shared one serves everyone else.
const privateKafka = dedicatedKafka();
// Booted at once (it takes a while), while the replica test runs on the shared broker.
const privateKafkaUp = privateKafka.then((kafka) => kafka.start());
privateKafkaUp.catch(() => undefined);
afterAll(async () => {
  await (await privateKafka).remove();
});

// --- helpers
const serviceEnv = (schema: string, brokers: string, prefix: string) => ({
  ...TEST_JWT_ENV,
  DATABASE_URL,
  DATABASE_SCHEMA: schema,
  EVENT_BUS: 'kafka',
  KAFKA_BROKERS: brokers,
  KAFKA_TOPIC_PREFIX: prefix,
  OUTBOX_SWEEP_INTERVAL_MS: '500',
});

async function start(name: string, env: Record<string, string>): Promise<ServiceProcess> {
  const service = await startService({
    app: 'order-tracking',
    name,
    port: await freePort(),
    env,
    readyTimeoutMs: 60_000,
  });
  services.push(service);
  return service;
}

const ops = signTestToken('ops-1', { roles: ['ops'] });
const serviceToken = signTestToken('checkout', { roles: ['service'] });

async function call(service: ServiceProcess, method: string, path: string, body: unknown, token = ops) {
  const response = await fetch(`${service.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${method} ${path} on ${service.name}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

const createOrder = async (service: ServiceProcess, customerId: string) =>
  (await call(service, 'POST', '/orders', { itemsSummary: 'tea', totalCents: 450, customerId }, serviceToken))[
    'id'
  ] as string;

const changeStatus = (service: ServiceProcess, id: string, status: OrderStatus) =>
  call(service, 'PATCH', `/orders/${id}/status`, { status });

async function pending(schema: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${schema}.outbox WHERE sent_at IS NULL`,
  );
  return rows[0]?.n ?? 0;
}

/**
 * Reads the orders topic of a namespace from the beginning, in a group of its own. `caughtUp()`
 * holds once it has read up to the end of every partition, so counts are final at that moment.
 */
async function readTopic(brokers: string, namespace: string) {
  const messages: Extract<IncomingMessage, { kind: 'event' }>[] = [];
  const read = new Map<number, bigint>();
  const bus = new KafkaEventBus({
    brokers: [brokers],
    clientId: 'order-tracking-int-test',
    namespace,
    logger: quiet,
    consumer: { sessionTimeout: 6000, rebalanceTimeout: 3000, heartbeatInterval: 200, maxWaitTimeInMs: 200 },
    joinTimeoutMs: 30_000,
  });
  buses.push(bus);
  await bus.consume({
    topic: ORDERS_TOPIC,
    group: `reader-${runId()}`,
    fromBeginning: true,
    handler: async (message) => {
      if (message.kind === 'event') messages.push(message);
      // Keys of one partition are handled side by side: the last one handled need not be the last offset.
      const next = BigInt(message.offset) + 1n;
      if (next > (read.get(message.partition) ?? 0n)) read.set(message.partition, next);
    },
  });
  const admin = new Kafka({
    brokers: [brokers],
    clientId: 'order-tracking-int-test-admin',
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  const caughtUp = async () => {
    const ends = await admin.fetchTopicOffsets(`${namespace}${ORDERS_TOPIC}`);
    return ends.every(({ partition, high }) => (read.get(partition) ?? 0n) >= BigInt(high));
  };
  return {
    messages,
    caughtUp,
    close: async () => {
      await admin.disconnect();
      await bus.close();
    },
  };
}

/** Every event exactly once, and each order's events in sequence 1..n. */
function expectOncePerOrderInSequence(
  messages: Extract<IncomingMessage, { kind: 'event' }>[],
  perOrder: Map<string, number>,
) {
  const ids = messages.map((m) => m.event.id);
  expect(new Set(ids).size).toBe(ids.length);
  const sequences = new Map<string, number[]>();
  for (const { key, event } of messages) {
    expect(key).toBe(event.subject);
    sequences.set(event.subject, [...(sequences.get(event.subject) ?? []), event.sequence]);
  }
  expect(new Map([...sequences].map(([order, seqs]) => [order, seqs.length]))).toEqual(perOrder);
  for (const seqs of sequences.values()) expect(seqs).toEqual(seqs.map((_, i) => i + 1));
}

const newSchema = () => {
  const schema = `ot_it_${run}_${schemas.length}`;
  schemas.push(schema);
  return schema;
};

describe('two replicas sharing one database', () => {
  it('publish each of 1,000 changes exactly once, in order per order', async () => {
    const schema = newSchema();
    const prefix = `ot-it-${run}-replicas.`;
    const env = serviceEnv(schema, SHARED_BROKERS, prefix);
    const replicas = [await start('orders-a', env), await start('orders-b', env)];

    const orders = 200;
    const perOrder = new Map<string, number>();
    let turn = 0;
    const next = () => replicas[turn++ % replicas.length] as ServiceProcess;
    // 10 clients at once, each taking orders through five changes, every request to the next replica.
    await Promise.all(
      Array.from({ length: 10 }, async (_, client) => {
        for (let i = client; i < orders; i += 10) {
          const id = await createOrder(next(), `shopper-${i}`);
          for (const status of STEPS.slice(0, 4)) await changeStatus(next(), id, status);
          perOrder.set(id, 5);
        }
      }),
    );
    await waitFor(async () => (await pending(schema)) === 0, 60_000, 200);

    const reader = await readTopic(SHARED_BROKERS, prefix);
    await waitFor(async () => reader.messages.length >= 1000 && (await reader.caughtUp()), 60_000, 200);
    expect(reader.messages).toHaveLength(1000);
    expectOncePerOrderInSequence(reader.messages, perOrder);
    await reader.close();
  }, 180_000);
});

describe('a Kafka outage and a crash (private broker)', () => {
  const schema = newSchema();
  const prefix = `ot-it-${run}-outage.`;
  let brokers: string;
  let first: ServiceProcess;
  const perOrder = new Map<string, number>();

  beforeAll(async () => {
    await privateKafkaUp;
    brokers = (await privateKafka).url;
    first = await start('orders-1', serviceEnv(schema, brokers, prefix));
  }, 120_000);

  it('serves its OpenAPI document at /docs, describing every orders route', async () => {
    const ui = await fetch(`${first.url}/docs`);
    expect(ui.status).toBe(200);
    expect(ui.headers.get('content-type')).toContain('text/html');
    const document = (await (await fetch(`${first.url}/docs/json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/orders',
        '/orders/{id}',
        '/orders/{id}/status',
        '/orders/{id}/courier',
        '/orders/{id}/location',
        '/orders/{id}/timeline',
      ]),
    );
    expect(document.paths['/orders/{id}/location']?.['post']).toMatchObject({
      requestBody: { content: { 'application/json': { schema: { required: ['lat', 'lng'] } } } },
    });
  });

  it('keeps taking changes while Kafka is down; all 50 are published once, in order, when it is back', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(await createOrder(first, `shopper-${i}`));
    ids.forEach((id) => perOrder.set(id, 1));
    await waitFor(async () => (await pending(schema)) === 0, 30_000, 100);

    await (await privateKafka).stop();
    // 50 changes over REST while the broker is down: every one succeeds.
    await Promise.all(
      ids.map(async (id) => {
        for (const status of STEPS) await changeStatus(first, id, status);
        perOrder.set(id, 1 + STEPS.length);
      }),
    );
    expect(await pending(schema)).toBe(50);

    await (await privateKafka).start();
    await waitFor(async () => (await pending(schema)) === 0, 90_000, 200);
    const reader = await readTopic(brokers, prefix);
    await waitFor(async () => reader.messages.length >= 60 && (await reader.caughtUp()), 60_000, 200);
    expect(reader.messages).toHaveLength(60);
    expectOncePerOrderInSequence(reader.messages, perOrder);
    await reader.close();
  }, 180_000);

  it('publishes after a restart what a process killed with -9 had committed; the replacement starts while Kafka is still down', async () => {
    await (await privateKafka).stop();
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push(await createOrder(first, `crash-${i}`));
    ids.forEach((id) => perOrder.set(id, 1));
    // Committed, not published: the relay is stuck retrying (and holds its claim) when the process dies.
    expect(await pending(schema)).toBe(20);
    await first.kill();

    // Kafka is still down: the replacement starts anyway, is ready (its database answers) and takes orders.
    const second = await start('orders-2', serviceEnv(schema, brokers, prefix));
    for (let i = 0; i < 5; i++) perOrder.set(await createOrder(second, `after-crash-${i}`), 1);
    expect(await pending(schema)).toBe(25);

    await (await privateKafka).start();
    await waitFor(async () => (await pending(schema)) === 0, 90_000, 200);
    const reader = await readTopic(brokers, prefix);
    await waitFor(async () => reader.messages.length >= 85 && (await reader.caughtUp()), 60_000, 200);
    // Killed while Kafka was down, nothing of the 20 could have been published before the crash:
    // each is on the topic exactly once (a crash after publish and before the mark could repeat one).
    expect(reader.messages).toHaveLength(85);
    expectOncePerOrderInSequence(reader.messages, perOrder);
    await reader.close();
  }, 240_000);
});
