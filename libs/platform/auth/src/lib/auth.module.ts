import { DynamicModule, Global, Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { HandshakeAuthenticator } from './handshake-authenticator';
import { JwtVerifyConfig } from './jwt.config';
import { JwtAuthGuard } from './jwt-auth.guard';
import { JWT_VERIFY_CONFIG, JwtStrategy } from './jwt.strategy';

/** Access-token verification for REST (`JwtAuthGuard`) and socket handshakes (`HandshakeAuthenticator`). */
@Global()
@Module({})
export class AuthModule {
  static forRoot(config: JwtVerifyConfig): DynamicModule {
    return {
      module: AuthModule,
      imports: [PassportModule.register({ session: false })],
      providers: [{ provide: JWT_VERIFY_CONFIG, useValue: config }, JwtStrategy, JwtAuthGuard, HandshakeAuthenticator],
      exports: [JWT_VERIFY_CONFIG, JwtAuthGuard, HandshakeAuthenticator],
    };
  }
}
