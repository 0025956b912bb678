export * from './lib/channel-authorizer';
export * from './lib/edge.gateway';
export * from './lib/edge.module';
export * from './lib/order-access/http-order-access.lookup';
export * from './lib/order-access/in-memory-order-access.lookup';
export * from './lib/order-access/order-access.port';
export * from './lib/socket-server.options';
