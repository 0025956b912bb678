export * from './lib/rate-limits.port';
export * from './lib/rate-limit.config';
export * from './lib/rate-limit.module';
export * from './lib/memory/in-memory-rate-limits';
export * from './lib/redis/redis-rate-limits';
