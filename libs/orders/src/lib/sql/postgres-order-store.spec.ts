import { InMemoryOrderRepository } from '../in-memory-order.repository';
import { describeOrderStoreContract } from '../order-store.contract';
import { migrate, PgliteDatabase } from '@shopnest/platform-sql';
import { MIGRATIONS } from './migrations/migrations';
import { PostgresOrderRepository } from './postgres-order.repository';
import { PostgresOutbox } from '@shopnest/platform-outbox';
import { ORDERS_OUTBOX } from './orders-outbox';

describeOrderStoreContract('in memory', async () => {
  const repository = new InMemoryOrderRepository();
  return { repository, outbox: repository.outbox, close: async () => undefined };
});

// One PGlite for the file (starting WebAssembly PostgreSQL takes seconds), emptied after each test.
let pglite: Promise<PgliteDatabase> | undefined;
afterAll(async () => (await pglite)?.close());

describeOrderStoreContract('PGlite', async () => {
  pglite ??= (async () => {
    const db = new PgliteDatabase({ schema: 'contract' });
    await db.connect();
    await migrate(db, MIGRATIONS);
    return db;
  })();
  const db = await pglite;
  return {
    repository: new PostgresOrderRepository(db),
    outbox: new PostgresOutbox(db, ORDERS_OUTBOX),
    close: () => db.exec('TRUNCATE order_timeline, outbox, orders RESTART IDENTITY'),
  };
});
