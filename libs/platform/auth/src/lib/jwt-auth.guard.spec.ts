import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Controller, Get, INestApplication, Module, UseGuards } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Principal } from '@shopnest/contracts';
import { signTestToken, TEST_JWT_ENV } from '@shopnest/testing';
import { AuthModule } from './auth.module';
import { JwtAuthGuard } from './jwt-auth.guard';
import { jwtEnvSchema } from './jwt.config';
import { JwtStrategy } from './jwt.strategy';
import { CurrentPrincipal, Roles } from './roles.decorator';

@Controller()
@UseGuards(JwtAuthGuard)
class WhoController {
  @Get('me')
  me(@CurrentPrincipal() principal: Principal): Principal {
    return principal;
  }

  @Get('ops')
  @Roles('ops')
  ops(): { ok: true } {
    return { ok: true };
  }
}

/** An app with the guard in front of two routes, listening on a free port. */
async function startApp(env: Record<string, string>): Promise<{ app: INestApplication; url: string }> {
  @Module({ imports: [AuthModule.forRoot(jwtEnvSchema.parse(env))], controllers: [WhoController] })
  class TestAppModule {}
  const module = await Test.createTestingModule({ imports: [TestAppModule] }).compile();
  const app = module.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  return { app, url: await app.getUrl() };
}

const get = (url: string, token: string) => fetch(url, { headers: { authorization: `Bearer ${token}` } });

describe('JwtAuthGuard', () => {
  let app: INestApplication;
  let url: string;
  /** passport-jwt's verification ends in the strategy's `validate`: one call per token verified. */
  let verifications: ReturnType<typeof jest.spyOn>;

  beforeAll(async () => ({ app, url } = await startApp(TEST_JWT_ENV)));
  afterAll(async () => await app.close());
  beforeEach(() => {
    verifications = jest.spyOn(JwtStrategy.prototype, 'validate');
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('verifies a token once and reuses the verdict for the requests that follow', async () => {
    const token = signTestToken('user-reuse', { roles: ['agent'] });

    const bodies = [];
    for (let i = 0; i < 3; i++) {
      const response = await get(`${url}/me`, token);
      expect(response.status).toBe(200);
      bodies.push(await response.json());
    }

    expect(verifications).toHaveBeenCalledTimes(1);
    expect(bodies[2]).toEqual(bodies[0]);
    expect(bodies[0]).toMatchObject({ userId: 'user-reuse', roles: ['agent'] });
  });

  it('refuses an altered copy of a token whose verdict it keeps', async () => {
    const token = signTestToken('user-altered');
    expect((await get(`${url}/me`, token)).status).toBe(200);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const altered = `${header}.${payload}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;

    const refused = await get(`${url}/me`, altered);

    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ code: 'UNAUTHENTICATED', message: 'invalid signature' });
  });

  it('refuses a token once it expired, though it passed while valid', async () => {
    const token = signTestToken('user-expiring', { expiresInSeconds: 30 });
    expect((await get(`${url}/me`, token)).status).toBe(200);
    const later = Date.now() + 120_000; // past the expiry and the 5 s clock tolerance
    jest.spyOn(Date, 'now').mockReturnValue(later);

    const refused = await get(`${url}/me`, token);

    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ code: 'UNAUTHENTICATED', message: 'jwt expired' });
  });

  it('checks the roles on every request, the verdict reused or not', async () => {
    const token = signTestToken('user-customer', { roles: ['customer'] });

    const statuses = [(await get(`${url}/ops`, token)).status, (await get(`${url}/ops`, token)).status];

    expect(statuses).toEqual([403, 403]);
    expect(verifications).toHaveBeenCalledTimes(1);
    expect((await get(`${url}/ops`, signTestToken('user-ops', { roles: ['ops'] }))).status).toBe(200);
  });

  it('verifies every request with JWT_VERIFIED_CACHE_SIZE=0', async () => {
    const uncached = await startApp({ ...TEST_JWT_ENV, JWT_VERIFIED_CACHE_SIZE: '0' });
    try {
      const token = signTestToken('user-uncached');
      for (let i = 0; i < 3; i++) expect((await get(`${uncached.url}/me`, token)).status).toBe(200);
      expect(verifications).toHaveBeenCalledTimes(3);
    } finally {
      await uncached.app.close();
    }
  });

  it('names JWT_VERIFIED_CACHE_SIZE when it is not a count', () => {
    const parsed = jwtEnvSchema.safeParse({ ...TEST_JWT_ENV, JWT_VERIFIED_CACHE_SIZE: '-1' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['JWT_VERIFIED_CACHE_SIZE']);
  });
});
