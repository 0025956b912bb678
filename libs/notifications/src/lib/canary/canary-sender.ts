import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { CANARY_SOURCE, CANARY_TOPIC, CanaryEvent } from '@shopnest/contracts';
import { EventBus } from '@shopnest/platform-event-bus';
import { MetricsService } from '@shopnest/platform-observability';
import { hostname } from 'node:os';
import { v7 as uuidv7 } from 'uuid';
import { NOTIFICATIONS_CONFIG, NotificationsConfig } from '../notifications.config';

/**
 * Sends a `canary.ping` to `shopnest.canary.v1` every `canaryIntervalMs`, so the worker's own
 * consumer carries it through history and Redis to every edge, and an edge can tell "nothing to
 * deliver" from "nothing can be delivered". A failed send is counted and logged; the next one
 * tries again (the edges' canary age grows meanwhile, which is the point).
 */
@Injectable()
export class CanarySender implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(CanarySender.name);
  private readonly failures;
  private timer?: NodeJS.Timeout;
  private sequence = 0;
  private readonly subject = `${hostname()}-${process.pid}`;

  constructor(
    private readonly bus: EventBus,
    metrics: MetricsService,
    @Inject(NOTIFICATIONS_CONFIG) private readonly config: NotificationsConfig,
  ) {
    this.failures = metrics.counter('canary_send_failures_total', 'Delivery canaries this worker could not publish');
  }

  onApplicationBootstrap(): void {
    if (this.config.canaryIntervalMs === 0) return;
    this.timer = setInterval(() => void this.send(), this.config.canaryIntervalMs);
    this.timer.unref();
    void this.send();
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async send(): Promise<void> {
    const now = new Date().toISOString();
    const event: CanaryEvent = {
      specversion: '1.0',
      id: uuidv7(),
      type: 'canary.ping',
      source: CANARY_SOURCE,
      subject: this.subject,
      time: now,
      datacontenttype: 'application/json',
      sequence: this.sequence++,
      data: { sentAt: now },
    };
    try {
      await this.bus.publish(CANARY_TOPIC, [{ key: this.subject, event }]);
    } catch (error) {
      this.failures.inc();
      this.logger.warn({ msg: 'could not send a delivery canary', err: (error as Error).message });
    }
  }
}
