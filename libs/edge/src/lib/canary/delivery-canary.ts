import { Controller, Get, HttpStatus, Inject, OnModuleDestroy, Res } from '@nestjs/common';
import { CANARY_ROOM } from '@shopnest/contracts';
import { MetricsService } from '@shopnest/platform-observability';
import type { Gauge } from 'prom-client';
import { DeliveryFeed } from '../replay/delivery-feed';

/** DI token of the canary threshold: past this age without a canary, delivery counts as broken. */
export const CANARY_MAX_AGE_MS = Symbol('CANARY_MAX_AGE_MS');
export const DEFAULT_CANARY_MAX_AGE_MS = 20_000;

/** What `/health/delivery` answers. */
export interface DeliveryHealth {
  status: 'ok' | 'error';
  /** ms since the last canary reached this edge; null before the first one. */
  canaryAgeMs: number | null;
  maxAgeMs: number;
}

/**
 * Times the delivery canaries the notification-workers send through the whole path (Kafka →
 * worker → history → Redis → this edge): their room is one no client can join, read from the
 * adapter's room emits like a replay. Delivery is healthy while the last canary is younger than
 * the threshold (counted from start-up until the first one arrives).
 */
export class DeliveryCanary implements OnModuleDestroy {
  private lastSeenAt: number | null = null;
  private readonly startedAt = Date.now();
  private stopListening?: () => void;
  private readonly age?: Gauge<string>;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly maxAgeMs: number,
    metrics?: MetricsService,
  ) {
    if (metrics) {
      this.age = metrics.gauge(
        'edge_canary_age_seconds',
        'Seconds since the last delivery canary reached this edge (from start-up until the first)',
      );
    }
    this.timer = setInterval(() => this.age?.set(this.ageMs(Date.now()) / 1000), 1_000);
    this.timer.unref();
  }

  /** Starts timing canaries from `feed` (once its adapter is attached). */
  watch(feed: DeliveryFeed): void {
    this.stopListening?.();
    this.stopListening = feed.listen(CANARY_ROOM, () => (this.lastSeenAt = Date.now()));
  }

  health(now = Date.now()): DeliveryHealth {
    const canaryAgeMs = this.lastSeenAt === null ? null : now - this.lastSeenAt;
    const ok = this.ageMs(now) <= this.maxAgeMs;
    return { status: ok ? 'ok' : 'error', canaryAgeMs, maxAgeMs: this.maxAgeMs };
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    this.stopListening?.();
  }

  private ageMs(now: number): number {
    return now - (this.lastSeenAt ?? this.startedAt);
  }
}

interface StatusResponse {
  status(code: number): unknown;
}

/** `GET /health/delivery`: 200 while canaries arrive, 503 when none came within the threshold. */
@Controller('health')
export class DeliveryHealthController {
  constructor(@Inject(DeliveryCanary) private readonly canary: DeliveryCanary) {}

  @Get('delivery')
  delivery(@Res({ passthrough: true }) response: StatusResponse): DeliveryHealth {
    const health = this.canary.health();
    response.status(health.status === 'ok' ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return health;
  }
}
