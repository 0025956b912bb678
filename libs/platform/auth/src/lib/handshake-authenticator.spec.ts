import { Test } from '@nestjs/testing';
import { signTestToken, TEST_JWT_ENV, unsignedToken } from '@shopnest/testing';
import { AuthModule } from './auth.module';
import { HandshakeAuthenticator, HandshakeLike } from './handshake-authenticator';
import { jwtEnvSchema } from './jwt.config';

describe('HandshakeAuthenticator', () => {
  let authenticator: HandshakeAuthenticator;
  const handshake = (over: Partial<HandshakeLike>): HandshakeLike => ({ headers: {}, query: {}, ...over });

  beforeAll(async () => {
    const module = await Test.createTestingModule({
      imports: [AuthModule.forRoot(jwtEnvSchema.parse(TEST_JWT_ENV))],
    }).compile();
    authenticator = module.get(HandshakeAuthenticator);
  });

  it('accepts a valid token from auth.token, the Authorization header or ?access_token=', async () => {
    const token = signTestToken('user-a', { roles: ['customer', 'agent'] });
    const expected = { userId: 'user-a', roles: ['customer', 'agent'] };
    await expect(authenticator.authenticate(handshake({ auth: { token } }))).resolves.toMatchObject(expected);
    await expect(
      authenticator.authenticate(handshake({ headers: { authorization: `Bearer ${token}` } })),
    ).resolves.toMatchObject(expected);
    await expect(authenticator.authenticate(handshake({ query: { access_token: token } }))).resolves.toMatchObject(
      expected,
    );
  });

  it.each([
    ['a missing token', () => handshake({}), /no auth token/i],
    ['alg: none', () => handshake({ auth: { token: unsignedToken('user-a') } }), /invalid|signature|algorithm/i],
    [
      'a wrong signature',
      () => handshake({ auth: { token: signTestToken('u', { secret: 'x'.repeat(40) }) } }),
      /invalid signature/,
    ],
    ['a wrong issuer', () => handshake({ auth: { token: signTestToken('u', { issuer: 'evil' }) } }), /issuer/],
    ['a wrong audience', () => handshake({ auth: { token: signTestToken('u', { audience: 'other' }) } }), /audience/],
    [
      'an expired token',
      () => handshake({ auth: { token: signTestToken('u', { expiresInSeconds: -60 }) } }),
      /expired/,
    ],
    [
      'a not-yet-valid token',
      () => handshake({ auth: { token: signTestToken('u', { notBeforeSeconds: 600 }) } }),
      /not active/,
    ],
    ['garbage', () => handshake({ auth: { token: 'not.a.jwt' } }), /invalid|malformed/i],
  ])('refuses %s with UNAUTHENTICATED and a reason', async (_, make, reason) => {
    const refusal = authenticator.authenticate(make());
    await expect(refusal).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(refusal).rejects.toThrow(reason);
  });

  it('refuses a token whose claims are unusable (unknown role)', async () => {
    const { JwtService } = await import('@nestjs/jwt');
    const token = new JwtService().sign(
      { sub: 'u', roles: ['emperor'] },
      { secret: TEST_JWT_ENV.JWT_SECRET, issuer: TEST_JWT_ENV.JWT_ISSUER, audience: TEST_JWT_ENV.JWT_AUDIENCE },
    );
    await expect(authenticator.authenticate(handshake({ auth: { token } }))).rejects.toThrow(/roles/);
  });
});

describe('jwtEnvSchema', () => {
  it('requires exactly one of a secret or a public key', () => {
    expect(jwtEnvSchema.safeParse({}).success).toBe(false);
    expect(jwtEnvSchema.safeParse({ JWT_SECRET: 'short' }).success).toBe(false);
    expect(jwtEnvSchema.parse(TEST_JWT_ENV).algorithms).toEqual(['HS256']);
  });
});
