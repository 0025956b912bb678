import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { OPS_ORDERS_CHANNEL, opsStatsDelivery } from '@shopnest/contracts';
import { ChannelPublisher } from '@shopnest/platform-history';
import { MetricsService } from '@shopnest/platform-observability';
import { hostname } from 'node:os';
import { v7 as uuidv7 } from 'uuid';
import { NOTIFICATIONS_CONFIG, NotificationsConfig } from '../notifications.config';

const WORKER_SOURCE = '/shopnest/notification-worker';

/** Sums a metric's series, leaving out the delivery canaries (they are not the platform's traffic). */
const withoutCanaries = (byType: Record<string, number>) =>
  Object.entries(byType).reduce((sum, [type, value]) => (type === 'canary.ping' ? sum : sum + value), 0);

/**
 * Reports this worker's consumer lag, dead-lettered messages and events per second to `ops:orders`
 * as a volatile `ops.stats` every `opsStatsIntervalMs` (off when 0 or unset), from its own metrics.
 * A failed report is logged; the next one tries again.
 */
@Injectable()
export class WorkerOpsStats implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WorkerOpsStats.name);
  private readonly instance = `${hostname()}:${process.pid}`;
  private timer?: NodeJS.Timeout;
  private sequence = 0;
  private lastConsumed: { total: number; at: number } | null = null;

  constructor(
    private readonly publisher: ChannelPublisher,
    private readonly metrics: MetricsService,
    @Inject(NOTIFICATIONS_CONFIG) private readonly config: NotificationsConfig,
  ) {}

  onApplicationBootstrap(): void {
    const intervalMs = this.config.opsStatsIntervalMs ?? 0;
    if (intervalMs === 0) return;
    void this.consumedPerSecond(); // the first report's rate counts from start-up
    this.timer = setInterval(() => {
      this.report(intervalMs).catch((error: Error) =>
        this.logger.warn({ msg: 'could not report ops stats', err: error.message }),
      );
    }, intervalMs);
    this.timer.unref();
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async report(intervalMs: number): Promise<void> {
    const delivery = opsStatsDelivery(uuidv7(), WORKER_SOURCE, this.sequence++, {
      role: 'worker',
      instance: this.instance,
      intervalMs,
      consumerLag: (await this.metrics.read('consumer_lag'))[''] ?? 0,
      deadLettered: (await this.metrics.read('events_dead_lettered_total'))[''] ?? 0,
      eventsPerSecond: await this.consumedPerSecond(),
    });
    await this.publisher.publishVolatile(OPS_ORDERS_CHANNEL, delivery.event);
  }

  /** Events consumed per second since the last call (0 on the first). */
  private async consumedPerSecond(): Promise<number> {
    const now = { total: withoutCanaries(await this.metrics.read('events_consumed_total', 'type')), at: Date.now() };
    const last = this.lastConsumed;
    this.lastConsumed = now;
    if (!last || now.at <= last.at) return 0;
    return Math.round(((now.total - last.total) / ((now.at - last.at) / 1000)) * 10) / 10;
  }
}
