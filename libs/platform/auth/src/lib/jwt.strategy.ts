import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { accessClaimsSchema, describeZodError, Principal } from '@shopnest/contracts';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { JwtVerifyConfig } from './jwt.config';

export const JWT_VERIFY_CONFIG = Symbol('JWT_VERIFY_CONFIG');

/** Name under which the strategy is registered with passport. */
export const JWT_STRATEGY = 'jwt';

/**
 * passport-jwt, configured once for REST and sockets. The token comes from
 * `Authorization: Bearer` or, for clients that cannot set headers, `?access_token=`.
 * An unsigned (`alg: none`) token never passes: only the configured algorithms verify.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, JWT_STRATEGY) {
  constructor(@Inject(JWT_VERIFY_CONFIG) config: JwtVerifyConfig) {
    super({
      jwtFromRequest: ExtractJwt.fromExtractors([
        ExtractJwt.fromAuthHeaderAsBearerToken(),
        ExtractJwt.fromUrlQueryParameter('access_token'),
      ]),
      secretOrKey: config.secretOrKey,
      algorithms: config.algorithms,
      issuer: config.issuer,
      audience: config.audience,
      jsonWebTokenOptions: { clockTolerance: config.clockToleranceSeconds },
      ignoreExpiration: false,
    });
  }

  validate(payload: unknown): Principal {
    const claims = accessClaimsSchema.safeParse(payload);
    if (!claims.success) {
      throw new UnauthorizedException({ code: 'UNAUTHENTICATED', message: `bad claims: ${describeZodError(claims.error)}` });
    }
    return { userId: claims.data.sub, roles: claims.data.roles, expiresAt: claims.data.exp };
  }
}
