import { Logger, OnApplicationShutdown } from '@nestjs/common';
import { InMemoryOrderRepository } from './in-memory-order.repository';
import { OrderRepository } from './order.repository.port';
import { OrderStoreConfig } from './orders.config';
import { Outbox } from './outbox/outbox.port';
import { migrate } from './sql/migrations/migrate';
import { PgliteDatabase } from './sql/pglite/pglite-database';
import { PgDatabase, redactUrl } from './sql/postgres/pg-database';
import { PostgresOrderRepository } from './sql/postgres-order.repository';
import { PostgresOutbox } from './sql/postgres-outbox';
import { SqlDatabase } from './sql/sql-database';

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
    const logger = new Logger('OrderStore');
    const db =
      config.driver === 'postgres'
        ? new PgDatabase({ url: config.url, schema: config.schema, poolMax: config.poolMax, timeoutMs: config.timeoutMs })
        : new PgliteDatabase({ schema: config.schema, dataDir: config.dataDir });
    try {
      await db.connect();
      const { applied } = await migrate(db);
      const where = config.driver === 'postgres' ? redactUrl(config.url) : `PGlite (${config.dataDir ?? 'in memory'})`;
      logger.log(`orders in ${where}, schema ${config.schema}; migrations applied now: ${applied.length ? applied.join(', ') : 'none'}`);
    } catch (error) {
      await db.close().catch(() => undefined);
      throw error;
    }
    return new OrderStore(new PostgresOrderRepository(db), new PostgresOutbox(db), async () => {
      await db.query('SELECT 1');
    }, db);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.db?.close();
  }
}
