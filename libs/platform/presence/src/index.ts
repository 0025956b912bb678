export * from './lib/presence.port';
export * from './lib/presence.config';
export * from './lib/presence.module';
export * from './lib/memory/in-memory-presence';
