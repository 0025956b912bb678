export * from './lib/retry-with-backoff';
