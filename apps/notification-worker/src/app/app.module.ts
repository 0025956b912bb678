import { DynamicModule, Module } from '@nestjs/common';
import { ORDERS_DLQ_TOPIC, ORDERS_TOPIC, ORDERS_TOPIC_PARTITIONS } from '@shopnest/contracts';
import { NotificationsModule } from '@shopnest/notifications';
import { EventBusModule } from '@shopnest/platform-event-bus';
import { FanoutModule } from '@shopnest/platform-fanout';
import { HistoryModule } from '@shopnest/platform-history';
import { ObservabilityModule } from '@shopnest/platform-observability';
import {
  NotificationWorkerConfig,
  SERVICE_NAME,
} from './notification-worker.config';

/** The worker: Kafka in; Redis out (channel history, socket.io emitter); dead letters back to Kafka; HTTP only for health and metrics. */
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
        EventBusModule.forRoot(config.eventBus, {
          topics: [
            { topic: ORDERS_TOPIC, numPartitions: ORDERS_TOPIC_PARTITIONS },
            // Dead letters are rare and read by people or a replay tool: one partition keeps them in arrival order.
            { topic: ORDERS_DLQ_TOPIC, numPartitions: 1 },
          ],
        }),
        FanoutModule.forRoot(config.fanout),
        HistoryModule.forRoot(config.history),
        NotificationsModule.forRoot(config.notifications),
      ],
    };
  }
}
