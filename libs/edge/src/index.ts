export * from './lib/edge.module';
