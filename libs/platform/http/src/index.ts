export * from './lib/error-body.filter';
export * from './lib/zod-validation.pipe';
