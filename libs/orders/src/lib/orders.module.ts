import { Module } from '@nestjs/common';
import { InMemoryOrderRepository } from './in-memory-order.repository';
import { OrderRepository } from './order.repository.port';
import { InternalOrdersController, OrdersController } from './orders.controller';
import { OrdersService } from './orders.service';

/**
 * Orders over REST, emitting their events on the `EventBus` (provided by the global
 * `EventBusModule` the app imports). Needs `AuthModule` for the guards.
 * Orders live in memory until the Postgres repository of issue 4 takes this seam.
 */
@Module({
  controllers: [OrdersController, InternalOrdersController],
  providers: [OrdersService, { provide: OrderRepository, useClass: InMemoryOrderRepository }],
  exports: [OrdersService],
})
export class OrdersModule {}
