import { JwtService } from '@nestjs/jwt';
import { Role } from '@shopnest/contracts';

/** Shared secret of test and local-dev tokens (never a production value). */
export const TEST_JWT_SECRET = 'shopnest-test-secret-0123456789abcdef';
export const TEST_JWT_ISSUER = 'shopnest-test';
export const TEST_JWT_AUDIENCE = 'shopnest-live';

/** The env that makes a service accept {@link signTestToken}'s tokens. */
export const TEST_JWT_ENV = {
  JWT_SECRET: TEST_JWT_SECRET,
  JWT_ISSUER: TEST_JWT_ISSUER,
  JWT_AUDIENCE: TEST_JWT_AUDIENCE,
};

export interface TestTokenOptions {
  roles?: Role[];
  expiresInSeconds?: number;
  notBeforeSeconds?: number;
  secret?: string;
  issuer?: string;
  audience?: string;
  /** The `jti` claim. */
  tokenId?: string;
  /** The `iat` claim, seconds since the epoch (default: now). */
  issuedAt?: number;
}

/**
 * An HS256 access token as ShopNest's identity provider would issue it.
 *
 * @example
 * const token = signTestToken('user-a', { roles: ['customer'] });
 */
export function signTestToken(userId: string, options: TestTokenOptions = {}): string {
  return new JwtService().sign(
    {
      sub: userId,
      roles: options.roles ?? ['customer'],
      ...(options.issuedAt !== undefined && { iat: options.issuedAt }),
    },
    {
      secret: options.secret ?? TEST_JWT_SECRET,
      algorithm: 'HS256',
      issuer: options.issuer ?? TEST_JWT_ISSUER,
      audience: options.audience ?? TEST_JWT_AUDIENCE,
      expiresIn: options.expiresInSeconds ?? 3600,
      ...(options.notBeforeSeconds !== undefined && { notBefore: options.notBeforeSeconds }),
      ...(options.tokenId !== undefined && { jwtid: options.tokenId }),
    },
  );
}

/** An unsigned token (`alg: none`) with otherwise valid claims: must always be refused. */
export function unsignedToken(userId: string): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode({
    sub: userId,
    roles: ['ops'],
    iss: TEST_JWT_ISSUER,
    aud: TEST_JWT_AUDIENCE,
    iat: now,
    exp: now + 3600,
  })}.`;
}
