import { DynamicModule, Module } from '@nestjs/common';
import { OrderAccess } from '@shopnest/contracts';
import { ChannelAuthorizer } from './channel-authorizer';
import { EdgeGateway } from './edge.gateway';
import { HttpOrderAccessLookup, HttpOrderAccessOptions } from './order-access/http-order-access.lookup';
import { InMemoryOrderAccessLookup } from './order-access/in-memory-order-access.lookup';
import { OrderAccessLookup } from './order-access/order-access.port';

/** Where order ownership comes from: order-tracking over HTTP, or a Map fed in-process. */
export type OrderAccessOptions =
  | ({ driver: 'http' } & HttpOrderAccessOptions)
  | { driver: 'memory'; orders?: Record<string, OrderAccess> };

export interface EdgeModuleOptions {
  orderAccess: OrderAccessOptions;
}

function createOrderAccessLookup(options: OrderAccessOptions): OrderAccessLookup {
  switch (options.driver) {
    case 'http':
      return new HttpOrderAccessLookup(options);
    case 'memory':
      return new InMemoryOrderAccessLookup(options.orders);
    default:
      throw new Error(`unknown order access driver ${JSON.stringify((options as { driver: unknown }).driver)}`);
  }
}

/**
 * The connection edge: the socket.io gateway (handshake auth, user rooms, authorised
 * subscriptions). Expects the global `AuthModule` and `ObservabilityModule` in the app, and the
 * app to install the socket.io adapter (`app.useWebSocketAdapter(...)`).
 *
 * @example
 * EdgeModule.forRoot({ orderAccess: { driver: 'http', baseUrl: 'http://127.0.0.1:3001', serviceToken } })
 */
@Module({})
export class EdgeModule {
  static forRoot(options: EdgeModuleOptions): DynamicModule {
    return {
      module: EdgeModule,
      providers: [
        { provide: OrderAccessLookup, useFactory: () => createOrderAccessLookup(options.orderAccess) },
        ChannelAuthorizer,
        EdgeGateway,
      ],
      exports: [OrderAccessLookup, ChannelAuthorizer],
    };
  }
}
