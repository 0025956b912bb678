import { envFragments, positiveInt } from '@shopnest/platform-config';
import { OutboxRelayOptions, outboxRelayEnvSchema } from '@shopnest/platform-outbox';
import { SqlDatabaseConfig, sqlDatabaseEnv } from '@shopnest/platform-sql';
import { z } from 'zod';

/** The argument of `SupportModule.forRoot`. */
export interface SupportConfig {
  store: SqlDatabaseConfig;
  outbox: OutboxRelayOptions;
  /** How tickets about an order are checked: order-tracking's internal access endpoint. */
  orders: { baseUrl: string; serviceToken: string; timeoutMs: number };
}

const supportOwnEnv = z.object({
  ORDER_TRACKING_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).default('http://127.0.0.1:3001'),
  /** Secret: a JWT with role `service`, for order-tracking's internal endpoints. */
  SERVICE_TOKEN: z.string().regex(/^[\w-]+\.[\w-]+\.[\w-]+$/, 'must be a signed JWT (with role service)'),
  ORDER_ACCESS_TIMEOUT_MS: positiveInt(2_000),
});

/**
 * The env of the support module: the database (`DATABASE=postgres|pglite`, `DATABASE_URL`,
 * `DATABASE_SCHEMA` (default `support`, so it can share a database with order-tracking),
 * `DATABASE_POOL_MAX`, `DATABASE_TIMEOUT_MS`, `PGLITE_DATA_DIR`), the relay (`OUTBOX_*`), and
 * `ORDER_TRACKING_URL` + `SERVICE_TOKEN` + `ORDER_ACCESS_TIMEOUT_MS` for checking a ticket's order.
 *
 * @example
 * const support = parseEnv(supportEnvSchema, process.env);
 */
export const supportEnvSchema = envFragments({
  store: sqlDatabaseEnv({ defaultSchema: 'support' }),
  outbox: outboxRelayEnvSchema,
  own: supportOwnEnv,
}).transform(
  ({ store, outbox, own }): SupportConfig => ({
    store,
    outbox,
    orders: {
      baseUrl: own.ORDER_TRACKING_URL,
      serviceToken: own.SERVICE_TOKEN,
      timeoutMs: own.ORDER_ACCESS_TIMEOUT_MS,
    },
  }),
);
