export * from './lib/observability.module';
export * from './lib/metrics.service';
export * from './lib/readiness.registry';
export * from './lib/run-service';
