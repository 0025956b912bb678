import { DynamicModule, Module } from '@nestjs/common';
import { ORDERS_TOPIC, ORDERS_TOPIC_PARTITIONS } from '@shopnest/contracts';
import { NotificationsModule } from '@shopnest/notifications';
import { EventBusModule } from '@shopnest/platform-event-bus';
import { FanoutModule } from '@shopnest/platform-fanout';
import { ObservabilityModule } from '@shopnest/platform-observability';
import {
  NotificationWorkerConfig,
  SERVICE_NAME,
} from './notification-worker.config';

/** The worker: Kafka in, Redis (socket.io emitter) out; HTTP only for health and metrics. */
@Module({})
export class AppModule {
  static forRoot(config: NotificationWorkerConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ObservabilityModule.forRoot({
          service: SERVICE_NAME,
          logLevel: config.logLevel,
        }),
        EventBusModule.forRoot(config.eventBus, { topics: [{ topic: ORDERS_TOPIC, numPartitions: ORDERS_TOPIC_PARTITIONS }] }),
        FanoutModule.forRoot(config.fanout),
        NotificationsModule.forRoot(config.notifications),
      ],
    };
  }
}
