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
}

/**
 * The relay's env: `OUTBOX_BATCH_SIZE` (100) and `OUTBOX_SWEEP_INTERVAL_MS` (2000). A fragment for
 * a service's `envFragments`.
 *
 * @example
 * envFragments({ store: sqlDatabaseEnvSchema, outbox: outboxRelayEnvSchema })
 */
export const outboxRelayEnvSchema = z
  .object({
    OUTBOX_BATCH_SIZE: positiveInt(100),
    OUTBOX_SWEEP_INTERVAL_MS: positiveInt(2000),
  })
  .transform(
    (env): OutboxRelayOptions => ({ batchSize: env.OUTBOX_BATCH_SIZE, sweepIntervalMs: env.OUTBOX_SWEEP_INTERVAL_MS }),
  );
