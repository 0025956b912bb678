export * from './lib/env-config';
