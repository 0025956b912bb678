import { envFragments } from '@shopnest/platform-config';
import { OutboxRelayOptions, outboxRelayEnvSchema } from '@shopnest/platform-outbox';
import { SqlDatabaseConfig, sqlDatabaseEnvSchema } from '@shopnest/platform-sql';
import { z } from 'zod';

/** Where orders live: a SQL database (a PostgreSQL server or embedded PGlite), or (tests only) memory. */
export type OrderStoreConfig = SqlDatabaseConfig | { driver: 'memory' };

/** The argument of `OrdersModule.forRoot`. */
export interface OrdersConfig {
  store: OrderStoreConfig;
  /** At most this many `order.location_updated` per order per second. */
  locationEventsPerSecond: number;
  outbox: OutboxRelayOptions;
}

const ordersOwnEnv = z.object({
  LOCATION_EVENT_MAX_PER_SEC: z.coerce.number().positive().max(1000).default(1),
});

/**
 * The env of the orders module: the database (`DATABASE=postgres|pglite`, `DATABASE_URL`,
 * `DATABASE_SCHEMA`, `DATABASE_POOL_MAX`, `PGLITE_DATA_DIR`: `sqlDatabaseEnvSchema` of
 * platform-sql), `LOCATION_EVENT_MAX_PER_SEC` (1), `OUTBOX_BATCH_SIZE` (100), `OUTBOX_SWEEP_INTERVAL_MS` (2000).
 *
 * @example
 * const orders = parseEnv(ordersEnvSchema, process.env);
 * // { store: { driver: 'postgres', url, schema: 'public', poolMax: 10 }, locationEventsPerSecond: 1, ... }
 */
export const ordersEnvSchema = envFragments({
  store: sqlDatabaseEnvSchema,
  outbox: outboxRelayEnvSchema,
  own: ordersOwnEnv,
}).transform(
  ({ store, outbox, own }): OrdersConfig => ({
    store,
    locationEventsPerSecond: own.LOCATION_EVENT_MAX_PER_SEC,
    outbox,
  }),
);
