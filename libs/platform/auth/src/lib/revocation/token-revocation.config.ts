import { z } from 'zod';

/** Which {@link TokenRevocations} store a service checks, and how long a user cut-off is kept. */
export type TokenRevocationConfig = { userCutoffTtlS: number } & (
  | { driver: 'memory' }
  | { driver: 'redis'; url: string; keyPrefix: string }
);

/**
 * `REVOCATION_STORE=redis|memory` (default `redis`: every edge sees every revocation),
 * `REVOCATION_KEY_PREFIX` (default `shopnest:revoked:`) and `REVOCATION_USER_TTL_S` (default
 * 86400): how long "all tokens of user X issued before T" is kept; at least the access tokens'
 * lifetime, since a token outliving it would pass again. The Redis URL is the service's `REDIS_URL`.
 */
export const tokenRevocationEnvSchema = z.object({
  REVOCATION_STORE: z.enum(['redis', 'memory']).default('redis'),
  REVOCATION_KEY_PREFIX: z.string().min(1).default('shopnest:revoked:'),
  REVOCATION_USER_TTL_S: z.coerce.number().int().positive().default(86_400),
});

export const tokenRevocationConfig = (env: z.output<typeof tokenRevocationEnvSchema>, redisUrl: string): TokenRevocationConfig =>
  env.REVOCATION_STORE === 'memory'
    ? { driver: 'memory', userCutoffTtlS: env.REVOCATION_USER_TTL_S }
    : { driver: 'redis', url: redisUrl, keyPrefix: env.REVOCATION_KEY_PREFIX, userCutoffTtlS: env.REVOCATION_USER_TTL_S };
