export * from './lib/tracing.config';
export * from './lib/start-tracing';
export * from './lib/trace-context';
