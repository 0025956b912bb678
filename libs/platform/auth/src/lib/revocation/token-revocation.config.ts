import { redisEnvSchema } from '@shopnest/platform-redis';
import { z } from 'zod';

export const TOKEN_REVOCATION_STORES = ['redis', 'memory'] as const;

/** Which {@link TokenRevocations} store a service checks, and how long a user cut-off is kept. */
export type TokenRevocationConfig = { userCutoffTtlS: number } & (
  | { driver: 'memory' }
  | { driver: 'redis'; url: string; keyPrefix: string }
);

/**
 * `REVOCATION_STORE=redis|memory` (default `redis`: every edge sees every revocation; anything
 * else stops start-up), `REVOCATION_KEY_PREFIX` (default `shopnest:revoked:`),
 * `REVOCATION_USER_TTL_S` (default 86400: how long "all tokens of user X issued before T" is kept;
 * at least the access tokens' lifetime, since a token outliving it would pass again) and
 * `REDIS_URL` (required unless `REVOCATION_STORE=memory`). Parses to a {@link TokenRevocationConfig}.
 */
export const tokenRevocationEnvSchema = redisEnvSchema
  .extend({
    REVOCATION_STORE: z.enum(TOKEN_REVOCATION_STORES).default('redis'),
    REVOCATION_KEY_PREFIX: z.string().min(1).default('shopnest:revoked:'),
    REVOCATION_USER_TTL_S: z.coerce.number().int().positive().default(86_400),
  })
  .superRefine((env, ctx) => {
    if (env.REVOCATION_STORE === 'redis' && !env.REDIS_URL) {
      ctx.addIssue({ code: 'custom', path: ['REDIS_URL'], message: 'required when REVOCATION_STORE=redis' });
    }
  })
  .transform(
    (env): TokenRevocationConfig =>
      env.REVOCATION_STORE === 'memory'
        ? { driver: 'memory', userCutoffTtlS: env.REVOCATION_USER_TTL_S }
        : {
            driver: 'redis',
            url: env.REDIS_URL as string,
            keyPrefix: env.REVOCATION_KEY_PREFIX,
            userCutoffTtlS: env.REVOCATION_USER_TTL_S,
          },
  );
