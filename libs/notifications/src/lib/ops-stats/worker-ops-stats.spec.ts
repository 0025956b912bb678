import { Envelope, OPS_ORDERS_CHANNEL, OPS_STATS_EVENT, opsStatsEventSchema } from '@shopnest/contracts';
import { ChannelPublisher } from '@shopnest/platform-history';
import { MetricsService } from '@shopnest/platform-observability';
import { NotificationsConfig } from '../notifications.config';
import { WorkerOpsStats } from './worker-ops-stats';

const config: NotificationsConfig = {
  consumer: { group: 'notification-worker', fromBeginning: false, lagIntervalMs: 60_000 },
  retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
  canaryIntervalMs: 0,
  opsStatsIntervalMs: 60_000,
};

describe('WorkerOpsStats', () => {
  it('reports the lag, dead letters and events per second (canaries left out) to ops:orders, volatile', async () => {
    const published: [string, Envelope][] = [];
    const publisher = {
      publishVolatile: async (channel: string, event: Envelope) => void published.push([channel, event]),
    } as unknown as ChannelPublisher;
    const metrics = new MetricsService('notification-worker');
    const lag = metrics.gauge('consumer_lag', 'lag', ['topic', 'partition']);
    const consumed = metrics.counter('events_consumed_total', 'consumed', ['type']);
    const deadLettered = metrics.counter('events_dead_lettered_total', 'dlq', ['reason', 'redriven']);
    const stats = new WorkerOpsStats(publisher, metrics, config);
    stats.onApplicationBootstrap(); // the rate counts from here
    try {
      lag.set({ topic: 'orders', partition: '0' }, 4);
      lag.set({ topic: 'orders', partition: '1' }, 3);
      deadLettered.inc({ reason: 'invalid', redriven: 'false' });
      consumed.inc({ type: 'order.status_changed' }, 6);
      consumed.inc({ type: 'canary.ping' }, 50);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await stats.report(60_000);
    } finally {
      stats.beforeApplicationShutdown();
    }

    expect(published).toHaveLength(1);
    const [channel, event] = published[0];
    expect(channel).toBe(OPS_ORDERS_CHANNEL);
    const parsed = opsStatsEventSchema.parse(event);
    expect(parsed.type).toBe(OPS_STATS_EVENT);
    expect(parsed.data).toMatchObject({ role: 'worker', consumerLag: 7, deadLettered: 1, intervalMs: 60_000 });
    const { eventsPerSecond } = parsed.data as { eventsPerSecond: number };
    expect(eventsPerSecond).toBeGreaterThan(0);
    expect(eventsPerSecond).toBeLessThanOrEqual(30); // 6 events in ≥ 0.2 s; 50 canaries would make it ≥ 56/s
  });
});
