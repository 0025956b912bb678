import { DynamicModule, Module } from '@nestjs/common';
import { NOTIFICATIONS_CONFIG, NotificationsConfig } from '../notifications.config';
import { StreamConsumerDeps } from '../event-stream.consumer';
import { NotificationEventsConsumer } from './notification-events.consumer';
import { NotificationPublisher } from './notification-publisher.service';
import { PublishController } from './publish.controller';
import { PUBLISH_CONFIG, PublishConfig } from './publish.config';

/**
 * Notifications from other services: the `POST /notifications` API that writes them to
 * `shopnest.notifications.v1`, and the worker's consumer of that topic. `EventBus`,
 * `ChannelPublisher`, `ProcessedEvents` and `MetricsService` come from the app's global platform
 * modules; `JwtAuthGuard` from `AuthModule`.
 */
@Module({})
export class PublishModule {
  static forRoot(config: PublishConfig, notifications: NotificationsConfig): DynamicModule {
    return {
      module: PublishModule,
      controllers: [PublishController],
      providers: [
        { provide: PUBLISH_CONFIG, useValue: config },
        { provide: NOTIFICATIONS_CONFIG, useValue: notifications },
        StreamConsumerDeps,
        NotificationPublisher,
        NotificationEventsConsumer,
      ],
      exports: [NotificationPublisher],
    };
  }
}
