export * from './lib/fanout.port';
