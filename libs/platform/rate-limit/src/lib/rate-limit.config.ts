import { z } from 'zod';

/** Which {@link RateLimits} store a service counts in. */
export type RateLimitConfig = { driver: 'memory' } | { driver: 'redis'; url: string; keyPrefix: string };

/**
 * `RATE_LIMIT_STORE=redis|memory` (default `redis`: budgets shared by every replica) and
 * `RATE_LIMIT_KEY_PREFIX` (default `shopnest:rl:`). The Redis URL is the service's own
 * `REDIS_URL`, passed to {@link rateLimitConfig}.
 */
export const rateLimitEnvSchema = z.object({
  RATE_LIMIT_STORE: z.enum(['redis', 'memory']).default('redis'),
  RATE_LIMIT_KEY_PREFIX: z.string().min(1).default('shopnest:rl:'),
});

export const rateLimitConfig = (env: z.output<typeof rateLimitEnvSchema>, redisUrl: string): RateLimitConfig =>
  env.RATE_LIMIT_STORE === 'memory' ? { driver: 'memory' } : { driver: 'redis', url: redisUrl, keyPrefix: env.RATE_LIMIT_KEY_PREFIX };
