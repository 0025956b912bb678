import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { accessClaimsSchema, describeZodError, Principal } from '@shopnest/contracts';
import { createPublicKey, createSecretKey } from 'node:crypto';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { JwksKeySet } from './jwks-key-set';
import { JwtVerifyConfig } from './jwt.config';

export const JWT_VERIFY_CONFIG = Symbol('JWT_VERIFY_CONFIG');

/** Name under which the strategy is registered with passport. */
export const JWT_STRATEGY = 'jwt';

/**
 * passport-jwt, configured once for REST and sockets. The token comes from
 * `Authorization: Bearer` or, for clients that cannot set headers, `?access_token=`.
 * An unsigned (`alg: none`) token never passes: only the configured algorithms verify.
 * With a JSON Web Key Set, the key is picked per token by its `kid`.
 */
/** The token of an `Authorization: Bearer` header: where the strategy looks first. */
export const bearerHeaderToken = ExtractJwt.fromAuthHeaderAsBearerToken();

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, JWT_STRATEGY) {
  constructor(@Inject(JWT_VERIFY_CONFIG) config: JwtVerifyConfig) {
    super({
      jwtFromRequest: ExtractJwt.fromExtractors([bearerHeaderToken, ExtractJwt.fromUrlQueryParameter('access_token')]),
      ...(config.keySet ? { secretOrKeyProvider: keyFromSet(config.keySet) } : { secretOrKey: keyObject(config) }),
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
      throw new UnauthorizedException({
        code: 'UNAUTHENTICATED',
        message: `bad claims: ${describeZodError(claims.error)}`,
      });
    }
    const { sub, roles, exp, jti, iat } = claims.data;
    return {
      userId: sub,
      roles,
      expiresAt: exp,
      ...(jti !== undefined && { tokenId: jti }),
      ...(iat !== undefined && { issuedAt: iat }),
    };
  }
}

/** passport-jwt's per-token key callback over a key set; a token with no matching key is refused with the reason. */
function keyFromSet(keySet: JwksKeySet) {
  return (_request: unknown, rawToken: string, done: (error: Error | null, key?: string | Buffer) => void): void => {
    try {
      // jsonwebtoken verifies with a KeyObject too; passport-jwt's typing only names string | Buffer.
      done(null, keySet.keyFor(rawToken) as unknown as Buffer);
    } catch (error) {
      done(error as Error);
    }
  };
}

/**
 * The verification key, parsed once. Given a string, jsonwebtoken would try it as a public key
 * and then as a secret on every request (measurably slow under load); a KeyObject skips that.
 */
function keyObject(config: JwtVerifyConfig): Buffer {
  const key = config.secretOrKey as string | Buffer;
  const parsed = config.algorithms.every((algorithm) => algorithm.startsWith('HS'))
    ? createSecretKey(Buffer.from(key))
    : createPublicKey(key);
  // jsonwebtoken verifies with a KeyObject; passport-jwt's typing only names string | Buffer.
  return parsed as unknown as Buffer;
}
