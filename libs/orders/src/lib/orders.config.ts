import { positiveInt } from '@shopnest/platform-config';
import { z } from 'zod';
import { OutboxRelayOptions } from './outbox/outbox-relay';
import { SCHEMA_NAME } from './sql/sql-database';

/** Where orders live: a PostgreSQL server, embedded PGlite, or (tests only) memory. */
export type OrderStoreConfig =
  | { driver: 'postgres'; url: string; schema: string; poolMax: number; timeoutMs: number }
  | { driver: 'pglite'; schema: string; dataDir?: string }
  | { driver: 'memory' };

/** The argument of `OrdersModule.forRoot`. */
export interface OrdersConfig {
  store: OrderStoreConfig;
  /** At most this many `order.location_updated` per order per second. */
  locationEventsPerSecond: number;
  outbox: OutboxRelayOptions;
}

/**
 * The env of the orders module: `DATABASE_URL` (a PostgreSQL server; unset: embedded PGlite),
 * `DATABASE_SCHEMA` (default `public`), `DATABASE_POOL_MAX` (10), `DATABASE_TIMEOUT_MS` (5000), `PGLITE_DATA_DIR` (unset: in
 * memory), `LOCATION_EVENT_MAX_PER_SEC` (1), `OUTBOX_BATCH_SIZE` (100), `OUTBOX_SWEEP_INTERVAL_MS` (2000).
 *
 * @example
 * const orders = parseEnv(ordersEnvSchema, process.env);
 * // { store: { driver: 'postgres', url, schema: 'public', poolMax: 10 }, locationEventsPerSecond: 1, ... }
 */
export const ordersEnvSchema = z
  .object({
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// (or postgresql://) URL')
      .optional(),
    DATABASE_SCHEMA: z
      .string()
      .regex(SCHEMA_NAME, 'must be a lower-case SQL name: a-z, 0-9 and _, not starting with a digit, at most 56 characters')
      .default('public'),
    DATABASE_POOL_MAX: positiveInt(10),
    DATABASE_TIMEOUT_MS: positiveInt(5000),
    PGLITE_DATA_DIR: z.string().min(1).optional(),
    LOCATION_EVENT_MAX_PER_SEC: z.coerce.number().positive().max(1000).default(1),
    OUTBOX_BATCH_SIZE: positiveInt(100),
    OUTBOX_SWEEP_INTERVAL_MS: positiveInt(2000),
  })
  .transform(
    (env): OrdersConfig => ({
      store: env.DATABASE_URL
        ? { driver: 'postgres', url: env.DATABASE_URL, schema: env.DATABASE_SCHEMA, poolMax: env.DATABASE_POOL_MAX, timeoutMs: env.DATABASE_TIMEOUT_MS }
        : { driver: 'pglite', schema: env.DATABASE_SCHEMA, ...(env.PGLITE_DATA_DIR && { dataDir: env.PGLITE_DATA_DIR }) },
      locationEventsPerSecond: env.LOCATION_EVENT_MAX_PER_SEC,
      outbox: { batchSize: env.OUTBOX_BATCH_SIZE, sweepIntervalMs: env.OUTBOX_SWEEP_INTERVAL_MS },
    }),
  );
