export * from './lib/outbox.port';
export * from './lib/outbox.config';
export * from './lib/outbox-relay';
export * from './lib/memory/in-memory-outbox';
export * from './lib/postgres/outbox-table';
export * from './lib/postgres/postgres-outbox';
