export * from './lib/auth.module';
export * from './lib/handshake-authenticator';
export * from './lib/jwt-auth.guard';
export * from './lib/jwt.config';
export * from './lib/roles.decorator';
