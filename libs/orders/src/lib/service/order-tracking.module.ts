import { DynamicModule, Module } from '@nestjs/common';
import { ORDERS_TOPIC, ORDERS_TOPIC_PARTITIONS } from '@shopnest/contracts';
import { APP_FILTER } from '@nestjs/core';
import { AuthModule } from '@shopnest/platform-auth';
import { EventBus, EventBusModule } from '@shopnest/platform-event-bus';
import { ObservabilityModule } from '@shopnest/platform-observability';
import { OrdersErrorFilter } from '../http/orders-error.filter';
import { OrdersModule } from '../orders.module';
import { OrderTrackingConfig, ORDER_TRACKING } from './order-tracking.config';

/** order-tracking: orders over REST in Postgres (or embedded PGlite), their events on the bus through the outbox. */
@Module({})
export class OrderTrackingModule {
  /** `shared.eventBus`: the one-process mode's in-memory bus, shared with the worker (its owner closes it). */
  static forRoot(config: OrderTrackingConfig, shared: { eventBus?: EventBus } = {}): DynamicModule {
    return {
      module: OrderTrackingModule,
      imports: [
        ObservabilityModule.forRoot({ service: ORDER_TRACKING, logLevel: config.logLevel }),
        AuthModule.forRoot(config.jwt),
        EventBusModule.forRoot(config.eventBus, {
          topics: [{ topic: ORDERS_TOPIC, numPartitions: ORDERS_TOPIC_PARTITIONS }],
          // Changes keep committing while Kafka is down (the outbox holds their events): ready
          // means the database answers.
          readinessProbe: false,
          // Nor does it need Kafka to start: it connects (and creates the topic) when the relay first publishes.
          connectAtStart: false,
          shared: shared.eventBus,
        }),
        OrdersModule.forRoot(config.orders),
      ],
      providers: [
        // Every route answers errors with { code, message }, not only the orders routes.
        { provide: APP_FILTER, useClass: OrdersErrorFilter },
      ],
    };
  }
}
