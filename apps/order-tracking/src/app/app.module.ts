import { DynamicModule, Module } from '@nestjs/common';
import { ORDERS_TOPIC, ORDERS_TOPIC_PARTITIONS } from '@shopnest/contracts';
import { APP_FILTER } from '@nestjs/core';
import { AuthModule } from '@shopnest/platform-auth';
import { EventBusModule } from '@shopnest/platform-event-bus';
import { ObservabilityModule } from '@shopnest/platform-observability';
import { ErrorBodyFilter, OrdersModule } from '@shopnest/orders';
import { OrderTrackingConfig, SERVICE_NAME } from './app.config';

/** order-tracking: orders over REST in Postgres (or embedded PGlite), their events on the bus through the outbox. */
@Module({})
export class AppModule {
  static forRoot(config: OrderTrackingConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ObservabilityModule.forRoot({ service: SERVICE_NAME, logLevel: config.logLevel }),
        AuthModule.forRoot(config.jwt),
        EventBusModule.forRoot(config.eventBus, {
          topics: [{ topic: ORDERS_TOPIC, numPartitions: ORDERS_TOPIC_PARTITIONS }],
          // Changes keep committing while Kafka is down (the outbox holds their events): ready
          // means the database answers.
          readinessProbe: false,
        }),
        OrdersModule.forRoot(config.orders),
      ],
      providers: [
        // Every route answers errors with { code, message }, not only the orders routes.
        { provide: APP_FILTER, useClass: ErrorBodyFilter },
      ],
    };
  }
}
