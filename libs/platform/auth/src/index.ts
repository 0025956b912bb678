export * from './lib/platform-auth.module';
