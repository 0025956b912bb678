export * from './lib/error-body.filter';
export * from './lib/zod-validation.pipe';
export * from './lib/openapi';
export * from './lib/http-access.lookup';
export * from './lib/cors';
