import { DynamicModule, Module } from '@nestjs/common';
import { NOTIFICATIONS_CONFIG, NotificationsConfig } from './notifications.config';
import { CanarySender } from './canary/canary-sender';
import { WorkerOpsStats } from './ops-stats/worker-ops-stats';
import {
  CanaryEventsConsumer,
  OrderEventsConsumer,
  StreamConsumerDeps,
  SupportEventsConsumer,
} from './event-stream.consumer';

/**
 * The notification worker's domain: order and support events in, history appends and channel pushes out.
 * `EventBus`, `ChannelPublisher`, `ProcessedEvents` and `MetricsService` come from the
 * global platform modules the app imports (`ReadinessRegistry` too, when there is one).
 */
@Module({})
export class NotificationsModule {
  static forRoot(config: NotificationsConfig): DynamicModule {
    return {
      module: NotificationsModule,
      providers: [
        { provide: NOTIFICATIONS_CONFIG, useValue: config },
        StreamConsumerDeps,
        OrderEventsConsumer,
        SupportEventsConsumer,
        CanaryEventsConsumer,
        CanarySender,
        WorkerOpsStats,
      ],
      exports: [OrderEventsConsumer, SupportEventsConsumer],
    };
  }
}
