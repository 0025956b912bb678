import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { INBOX_CONFIG } from './inbox.tokens';
import { InboxConfig } from './inbox.config';
import { InboxStore } from './inbox-store.port';

const DAY_MS = 86_400_000;

/**
 * Deletes inbox items older than `INBOX_RETENTION_DAYS`, every `INBOX_PRUNE_INTERVAL_MS`, in
 * batches of `INBOX_PRUNE_BATCH_SIZE`. Replicas may run it at the same time: each batch deletes
 * what is still there, so they only share the work.
 */
@Injectable()
export class InboxRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(InboxRetention.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly store: InboxStore,
    @Inject(INBOX_CONFIG) private readonly config: InboxConfig,
  ) {}

  onApplicationBootstrap(): void {
    const { days, intervalMs } = this.config.retention;
    if (days === 0) return;
    this.timer = setInterval(() => void this.runOnce(), intervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One pass: batch after batch until a batch comes back short; resolves with how many were deleted. */
  runOnce(now = new Date()): Promise<number> {
    this.running ??= this.prune(now).finally(() => (this.running = undefined));
    return this.running;
  }

  private async prune(now: Date): Promise<number> {
    const { days, batchSize } = this.config.retention;
    const before = new Date(now.getTime() - days * DAY_MS);
    let total = 0;
    try {
      for (;;) {
        const deleted = await this.store.prune(before, batchSize);
        total += deleted;
        if (deleted < batchSize) break;
      }
      if (total > 0) this.logger.log({ msg: 'pruned inbox items', deleted: total, before: before.toISOString() });
    } catch (error) {
      // The next run tries again; a database away for a while must not stop the worker.
      this.logger.warn({
        msg: 'could not prune inbox items',
        err: error instanceof Error ? error.message : String(error),
      });
    }
    return total;
  }
}
