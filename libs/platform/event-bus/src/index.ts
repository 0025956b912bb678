export * from './lib/event-bus.port';
