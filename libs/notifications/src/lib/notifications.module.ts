import { DynamicModule, Module } from '@nestjs/common';
import {
  NOTIFICATIONS_CONFIG,
  NotificationsConfig,
} from './notifications.config';
import { OrderEventsConsumer } from './order-events.consumer';

/**
 * The notification worker's domain: order events in, channel pushes out. `EventBus`, `Fanout`
 * and `MetricsService` come from the global platform modules the app imports.
 */
@Module({})
export class NotificationsModule {
  static forRoot(config: NotificationsConfig): DynamicModule {
    return {
      module: NotificationsModule,
      providers: [
        { provide: NOTIFICATIONS_CONFIG, useValue: config },
        OrderEventsConsumer,
      ],
      exports: [OrderEventsConsumer],
    };
  }
}
