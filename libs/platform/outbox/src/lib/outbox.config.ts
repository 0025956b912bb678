import { positiveInt } from '@shopnest/platform-config';
import { z } from 'zod';

/** How an {@link OutboxRelay} publishes; every field has a default. */
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
  /** Published entries older than this are pruned (default 7 days). */
  retentionMs?: number;
  /** How often pruning runs (default 60 s); each run deletes batch after batch until none is due. */
  pruneIntervalMs?: number;
  /** Entries per pruning statement, small so it never holds much (default 500). */
  pruneBatchSize?: number;
}

/**
 * The relay's env: `OUTBOX_BATCH_SIZE` (100), `OUTBOX_SWEEP_INTERVAL_MS` (2000),
 * `OUTBOX_RETENTION_HOURS` (168: how long published entries are kept), `OUTBOX_PRUNE_INTERVAL_MS`
 * (60000) and `OUTBOX_PRUNE_BATCH_SIZE` (500). A fragment for a service's `envFragments`.
 *
 * @example
 * envFragments({ store: sqlDatabaseEnvSchema, outbox: outboxRelayEnvSchema })
 */
export const outboxRelayEnvSchema = z
  .object({
    OUTBOX_BATCH_SIZE: positiveInt(100),
    OUTBOX_SWEEP_INTERVAL_MS: positiveInt(2000),
    OUTBOX_RETENTION_HOURS: z.coerce
      .number()
      .positive()
      .max(24 * 365)
      .default(168),
    OUTBOX_PRUNE_INTERVAL_MS: positiveInt(60_000),
    OUTBOX_PRUNE_BATCH_SIZE: positiveInt(500),
  })
  .transform(
    (env): OutboxRelayOptions => ({
      batchSize: env.OUTBOX_BATCH_SIZE,
      sweepIntervalMs: env.OUTBOX_SWEEP_INTERVAL_MS,
      retentionMs: env.OUTBOX_RETENTION_HOURS * 3_600_000,
      pruneIntervalMs: env.OUTBOX_PRUNE_INTERVAL_MS,
      pruneBatchSize: env.OUTBOX_PRUNE_BATCH_SIZE,
    }),
  );
