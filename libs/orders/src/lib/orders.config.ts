import { envFragments, positiveInt } from '@shopnest/platform-config';
import { SqlDatabaseConfig, sqlDatabaseEnvSchema } from '@shopnest/platform-sql';
import { z } from 'zod';

/** Where orders live: a SQL database (a PostgreSQL server or embedded PGlite), or (tests only) memory. */
export type OrderStoreConfig = SqlDatabaseConfig | { driver: 'memory' };

export interface OutboxRelayOptions {
  /** Entries per claim (default 100). */
  batchSize?: number;
  /** How often to look for entries without being woken: what a crash or a lost notification left (default 2000 ms). */
  sweepIntervalMs?: number;
  /** First and longest wait after a failed publish; doubles in between, with full jitter (default 200 ms, 10 s). */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** How long `stop()` waits for a batch in flight (default 5000 ms). */
  stopTimeoutMs?: number;
}

/** The argument of `OrdersModule.forRoot`. */
export interface OrdersConfig {
  store: OrderStoreConfig;
  /** At most this many `order.location_updated` per order per second. */
  locationEventsPerSecond: number;
  outbox: OutboxRelayOptions;
}

const ordersOwnEnv = z.object({
  LOCATION_EVENT_MAX_PER_SEC: z.coerce.number().positive().max(1000).default(1),
  OUTBOX_BATCH_SIZE: positiveInt(100),
  OUTBOX_SWEEP_INTERVAL_MS: positiveInt(2000),
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
export const ordersEnvSchema = envFragments({ store: sqlDatabaseEnvSchema, own: ordersOwnEnv }).transform(
  ({ store, own }): OrdersConfig => ({
    store,
    locationEventsPerSecond: own.LOCATION_EVENT_MAX_PER_SEC,
    outbox: { batchSize: own.OUTBOX_BATCH_SIZE, sweepIntervalMs: own.OUTBOX_SWEEP_INTERVAL_MS },
  }),
);
