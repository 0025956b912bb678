import { envFragments, positiveInt } from '@shopnest/platform-config';
import { SqlDatabaseConfig, sqlDatabaseEnv } from '@shopnest/platform-sql';
import { z } from 'zod';

/** The argument of `InboxModule.forRoot`. */
export interface InboxConfig {
  store: SqlDatabaseConfig;
  retention: {
    /** Items older than this many days are deleted; 0 keeps them forever. */
    days: number;
    /** How often the pruning job runs. */
    intervalMs: number;
    /** Rows deleted per statement, so one run never holds a long lock on a big table. */
    batchSize: number;
  };
}

/** Defaults of `INBOX_RETENTION_DAYS`, `INBOX_PRUNE_INTERVAL_MS`, `INBOX_PRUNE_BATCH_SIZE`. */
export const DEFAULT_INBOX_RETENTION: InboxConfig['retention'] = { days: 90, intervalMs: 3_600_000, batchSize: 1_000 };

const retentionEnv = z.object({
  INBOX_RETENTION_DAYS: z.coerce.number().int().min(0).max(36_500).default(DEFAULT_INBOX_RETENTION.days),
  INBOX_PRUNE_INTERVAL_MS: positiveInt(DEFAULT_INBOX_RETENTION.intervalMs),
  INBOX_PRUNE_BATCH_SIZE: z.coerce.number().int().min(1).max(100_000).default(DEFAULT_INBOX_RETENTION.batchSize),
});

/**
 * The inbox's env: its database (`DATABASE=postgres|pglite`, `DATABASE_URL`, `DATABASE_SCHEMA`
 * (default `inbox`, so it can share a database with the other services), `DATABASE_POOL_MAX`,
 * `DATABASE_TIMEOUT_MS`, `PGLITE_DATA_DIR`) and retention (`INBOX_RETENTION_DAYS` (90; 0 keeps
 * items forever), `INBOX_PRUNE_INTERVAL_MS` (1 h), `INBOX_PRUNE_BATCH_SIZE` (1000)).
 *
 * @example
 * const inbox = parseEnv(inboxEnvSchema, process.env);
 */
export const inboxEnvSchema = envFragments({
  store: sqlDatabaseEnv({ defaultSchema: 'inbox' }),
  retention: retentionEnv,
}).transform(
  ({ store, retention }): InboxConfig => ({
    store,
    retention: {
      days: retention.INBOX_RETENTION_DAYS,
      intervalMs: retention.INBOX_PRUNE_INTERVAL_MS,
      batchSize: retention.INBOX_PRUNE_BATCH_SIZE,
    },
  }),
);
