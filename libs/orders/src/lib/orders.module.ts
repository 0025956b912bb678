import { DynamicModule, Module } from '@nestjs/common';
import { EventBus } from '@shopnest/platform-event-bus';
import { MetricsService, ReadinessRegistry } from '@shopnest/platform-observability';
import { OrderRepository } from './order.repository.port';
import { OrderStore } from './order-store';
import { OrdersConfig } from './orders.config';
import { InternalOrdersController, OrdersController } from './orders.controller';
import { ORDERS_SERVICE_OPTIONS, OrdersService, OrdersServiceOptions } from './orders.service';
import { Outbox, OutboxRelay } from '@shopnest/platform-outbox';
import { ORDERS_TOPIC } from '@shopnest/contracts';

/**
 * Orders over REST, stored with their events (Postgres, PGlite or memory, as `config.store`
 * says; migrated at start-up), and the relay that publishes those events on the `EventBus`
 * (provided by the global `EventBusModule` the app imports). Needs `AuthModule` for the guards;
 * uses `ObservabilityModule` (metrics, a `database` readiness probe) when the app has it.
 *
 * @example
 * OrdersModule.forRoot(parseEnv(ordersEnvSchema, process.env))
 */
@Module({})
export class OrdersModule {
  static forRoot(config: OrdersConfig): DynamicModule {
    const serviceOptions: OrdersServiceOptions = { locationEventsPerSecond: config.locationEventsPerSecond };
    return {
      module: OrdersModule,
      controllers: [OrdersController, InternalOrdersController],
      providers: [
        {
          provide: OrderStore,
          useFactory: async (readiness?: ReadinessRegistry) => {
            const store = await OrderStore.open(config.store);
            if (store.ping) readiness?.register('database', store.ping);
            return store;
          },
          inject: [{ token: ReadinessRegistry, optional: true }],
        },
        { provide: OrderRepository, useFactory: (store: OrderStore) => store.repository, inject: [OrderStore] },
        { provide: Outbox, useFactory: (store: OrderStore) => store.outbox, inject: [OrderStore] },
        {
          provide: OutboxRelay,
          useFactory: (outbox: Outbox, bus: EventBus, metrics?: MetricsService) =>
            new OutboxRelay(outbox, bus, ORDERS_TOPIC, config.outbox, metrics),
          inject: [Outbox, EventBus, { token: MetricsService, optional: true }],
        },
        { provide: ORDERS_SERVICE_OPTIONS, useValue: serviceOptions },
        OrdersService,
      ],
      exports: [OrdersService, OrderRepository, Outbox, OutboxRelay],
    };
  }
}
