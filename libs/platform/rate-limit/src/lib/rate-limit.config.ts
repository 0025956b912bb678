import { redisEnvSchema } from '@shopnest/platform-redis';
import { z } from 'zod';

export const RATE_LIMIT_STORES = ['redis', 'memory'] as const;

/** Which {@link RateLimits} store a service counts in: the argument of `RateLimitModule.forRoot`. */
export type RateLimitConfig = { driver: 'memory' } | { driver: 'redis'; url: string; keyPrefix: string };

/**
 * `RATE_LIMIT_STORE=redis|memory` (default `redis`: budgets shared by every replica; anything
 * else stops start-up), `RATE_LIMIT_KEY_PREFIX` (default `shopnest:rl:`) and `REDIS_URL`
 * (required unless `RATE_LIMIT_STORE=memory`). Parses to a {@link RateLimitConfig}.
 *
 * @example
 * RateLimitModule.forRoot(parseEnv(rateLimitEnvSchema, process.env));
 */
export const rateLimitEnvSchema = redisEnvSchema
  .extend({
    RATE_LIMIT_STORE: z.enum(RATE_LIMIT_STORES).default('redis'),
    RATE_LIMIT_KEY_PREFIX: z.string().min(1).default('shopnest:rl:'),
  })
  .superRefine((env, ctx) => {
    if (env.RATE_LIMIT_STORE === 'redis' && !env.REDIS_URL) {
      ctx.addIssue({ code: 'custom', path: ['REDIS_URL'], message: 'required when RATE_LIMIT_STORE=redis' });
    }
  })
  .transform(
    (env): RateLimitConfig =>
      env.RATE_LIMIT_STORE === 'memory'
        ? { driver: 'memory' }
        : { driver: 'redis', url: env.REDIS_URL as string, keyPrefix: env.RATE_LIMIT_KEY_PREFIX },
  );
