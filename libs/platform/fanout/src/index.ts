export * from './lib/fanout.port';
export * from './lib/fanout.config';
export * from './lib/fanout.module';
export * from './lib/local/local-fanout';
export * from './lib/local/local-io.adapter';
export * from './lib/redis/redis-connection';
export * from './lib/redis/redis-emitter-fanout';
export * from './lib/redis/redis-io.adapter';
