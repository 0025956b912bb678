import { runId } from '@shopnest/testing';
import { Pool } from 'pg';
import { placeOrder, transition } from '../order';
import { orderCreatedEvent, orderStatusChangedEvent } from '../order-events.factory';
import { describeOrderStoreContract } from '../order-store.contract';
import { migrate, PgDatabase } from '@shopnest/platform-sql';
import { MIGRATIONS } from './migrations/migrations';
import { PostgresOrderRepository } from './postgres-order.repository';
import { OutboxEntry, PostgresOutbox } from '@shopnest/platform-outbox';
import { ORDERS_OUTBOX } from './orders-outbox';
import { DatabaseUnavailable } from '@shopnest/platform-sql';

const url = process.env['DATABASE_URL'];
if (!url) throw new Error('DATABASE_URL is not set (the int-test globalSetup provides it)');

/** A schema of its own for each use, dropped at the end of the file. */
const schemas: string[] = [];
const newSchema = () => {
  const schema = `orders_it_${runId()}`;
  schemas.push(schema);
  return schema;
};
const databases: PgDatabase[] = [];
const open = async (schema: string, poolMax = 5) => {
  const db = new PgDatabase({ url, schema, poolMax });
  databases.push(db);
  await db.connect();
  return db;
};

afterAll(async () => {
  await Promise.all(databases.map((db) => db.close()));
  const admin = new Pool({ connectionString: url, max: 1 });
  for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
});

let shared: Promise<PgDatabase> | undefined;
describeOrderStoreContract('PostgreSQL', async () => {
  shared ??= (async () => {
    const db = await open(newSchema());
    await migrate(db, MIGRATIONS);
    return db;
  })();
  const db = await shared;
  return {
    repository: new PostgresOrderRepository(db),
    outbox: new PostgresOutbox(db, ORDERS_OUTBOX),
    close: () => db.exec('TRUNCATE order_timeline, outbox, orders RESTART IDENTITY'),
  };
});

describe('a database that does not answer', () => {
  it('rejects at once with DatabaseUnavailable when the server refuses connections, in a query and a transaction', async () => {
    const away = new PgDatabase({ url: 'postgres://nobody@127.0.0.1:1/shopnest', schema: 'public' });
    databases.push(away);
    await expect(away.query('SELECT 1')).rejects.toBeInstanceOf(DatabaseUnavailable);
    await expect(away.transaction((tx) => tx.query('SELECT 1'))).rejects.toBeInstanceOf(DatabaseUnavailable);
  });

  it('cancels a statement that outlives timeoutMs as DatabaseUnavailable, and leaves SQL errors as they are', async () => {
    const db = new PgDatabase({ url, schema: newSchema(), timeoutMs: 200 });
    databases.push(db);
    await db.connect();
    await expect(db.query('SELECT pg_sleep(2)')).rejects.toBeInstanceOf(DatabaseUnavailable);
    const sqlError = await db.query('SELECT * FROM no_such_table').catch((error: unknown) => error);
    expect(sqlError).not.toBeInstanceOf(DatabaseUnavailable);
    expect(sqlError).toMatchObject({ code: '42P01' });
  });
});

describe('migrations on PostgreSQL', () => {
  it('apply each migration once, in its own transaction, even when two replicas start together', async () => {
    const schema = newSchema();
    const [a, b] = await Promise.all([open(schema), open(schema)]);
    const results = await Promise.all([migrate(a, MIGRATIONS), migrate(b, MIGRATIONS)]);
    expect(results.flatMap((r) => r.applied).sort()).toEqual(MIGRATIONS.map((m) => m.version));
    await expect(a.query('SELECT version, name FROM schema_migrations ORDER BY version')).resolves.toEqual(
      MIGRATIONS.map(({ version, name }) => ({ version, name })),
    );
    await expect(migrate(a, MIGRATIONS)).resolves.toEqual({ applied: [] });
  });

  it('roll a failing migration back whole, recording nothing', async () => {
    const db = await open(newSchema());
    const broken = { version: 99, name: 'broken', sql: 'CREATE TABLE half_done (id int); SELECT 1/0;' };
    await expect(migrate(db, [...MIGRATIONS, broken])).rejects.toThrow(/division by zero/);
    await expect(db.query("SELECT to_regclass('half_done') AS t")).resolves.toEqual([{ t: null }]);
    await expect(db.query('SELECT max(version) AS v FROM schema_migrations')).resolves.toEqual([
      { v: MIGRATIONS.at(-1)?.version },
    ]);
  });
});

describe('outbox relays in several replicas', () => {
  it('publish every event exactly once, each order in sequence, while changes keep committing', async () => {
    const schema = newSchema();
    const writerDb = await open(schema);
    await migrate(writerDb, MIGRATIONS);
    const repository = new PostgresOrderRepository(writerDb);
    const relays = await Promise.all([open(schema), open(schema), open(schema)]).then((dbs) =>
      dbs.map((db) => new PostgresOutbox(db, ORDERS_OUTBOX)),
    );

    const published: { relay: number; entry: OutboxEntry }[] = [];
    let writing = true;
    const run = async (relay: PostgresOutbox, index: number) => {
      while (writing || (await relay.backlog()).pending > 0) {
        const count = await relay.relay(7, async (entries) => {
          // A publish that takes a while, so claims overlap.
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
          published.push(...entries.map((entry) => ({ relay: index, entry })));
        });
        if (count === 0) await new Promise((resolve) => setTimeout(resolve, 2));
      }
    };
    const running = relays.map(run);

    const orders = 30;
    const steps = ['confirmed', 'packed', 'shipped', 'out_for_delivery', 'delivered'] as const;
    await Promise.all(
      Array.from({ length: orders }, async (_, i) => {
        let order = placeOrder({ customerId: `u-${i}`, itemsSummary: 'tea', totalCents: 1 });
        await repository.create(order, orderCreatedEvent(order));
        for (const status of steps) {
          const next = transition(order, status);
          await repository.update(next, order.version, orderStatusChangedEvent(next, order.status));
          order = next;
        }
      }),
    );
    writing = false;
    await Promise.all(running);

    const ids = published.map(({ entry }) => entry.event.id);
    expect(ids).toHaveLength(orders * (steps.length + 1));
    expect(new Set(ids).size).toBe(ids.length);
    const byOrder = new Map<string, number[]>();
    for (const { entry } of published)
      byOrder.set(entry.key, [...(byOrder.get(entry.key) ?? []), entry.event.sequence]);
    for (const sequences of byOrder.values()) expect(sequences).toEqual([1, 2, 3, 4, 5, 6]);
    // The work really was shared, or this test proves nothing about concurrency.
    expect(new Set(published.map(({ relay }) => relay)).size).toBeGreaterThan(1);
  });
});
