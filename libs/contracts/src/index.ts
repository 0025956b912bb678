export * from './lib/auth';
export * from './lib/channels';
export * from './lib/envelope';
export * from './lib/errors';
export * from './lib/internal-api';
export * from './lib/order-events';
export * from './lib/socket-protocol';
export * from './lib/topics';
