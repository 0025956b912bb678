import { Logger, OnApplicationShutdown } from '@nestjs/common';
import { InMemoryOrderRepository } from './in-memory-order.repository';
import { OrderRepository } from './order.repository.port';
import { OrderStoreConfig } from './orders.config';
import { openMigratedSqlDatabase, SqlDatabase } from '@shopnest/platform-sql';
import { MIGRATIONS } from './sql/migrations/migrations';
import { PostgresOrderRepository } from './sql/postgres-order.repository';
import { Outbox, PostgresOutbox } from '@shopnest/platform-outbox';
import { ORDERS_OUTBOX } from './sql/orders-outbox';

/**
 * The order store the config names, opened and migrated: its repository, its outbox, a probe
 * for `/health/ready`, and `close()` on shutdown (after the relay stopped).
 */
export class OrderStore implements OnApplicationShutdown {
  private constructor(
    readonly repository: OrderRepository,
    readonly outbox: Outbox,
    /** Resolves when the database answers; absent in memory. */
    readonly ping: (() => Promise<void>) | undefined,
    private readonly db?: SqlDatabase,
  ) {}

  /** Connects and migrates; fails start-up naming the database when it is unreachable. */
  static async open(config: OrderStoreConfig): Promise<OrderStore> {
    if (config.driver === 'memory') {
      const memory = new InMemoryOrderRepository();
      return new OrderStore(memory, memory.outbox, undefined);
    }
    const { db, summary } = await openMigratedSqlDatabase(config, MIGRATIONS, { applicationName: 'order-tracking' });
    new Logger('OrderStore').log(`orders in ${summary}`);
    return new OrderStore(
      new PostgresOrderRepository(db),
      new PostgresOutbox(db, ORDERS_OUTBOX),
      async () => {
        await db.query('SELECT 1');
      },
      db,
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.db?.close();
  }
}
