export * from './lib/notifications.config';
export * from './lib/notifications.module';
export * from './lib/event-stream.consumer';
export * from './lib/order-status-notification';
export * from './lib/routing';
export * from './lib/service/notification-worker.config';
export * from './lib/service/notification-worker.module';
