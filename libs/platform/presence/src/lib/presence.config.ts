import { redisEnvSchema } from '@shopnest/platform-redis';
import { z } from 'zod';

export const PRESENCE_STORES = ['redis', 'memory'] as const;

/** Which {@link Presence} store a service keeps members in: the argument of `PresenceModule.forRoot`. */
export type PresenceConfig = { ttlMs: number } & (
  | { driver: 'memory' }
  | { driver: 'redis'; url: string; keyPrefix: string }
);

/**
 * `PRESENCE_STORE=redis|memory` (default `redis`: members shared by every edge; anything else stops
 * start-up), `PRESENCE_KEY_PREFIX` (default `shopnest:presence:`), `PRESENCE_TTL_S` (default 60: how
 * long a connection counts without a heartbeat, so a crashed edge's users leave within it; edges
 * heartbeat every third of it) and `REDIS_URL` (required unless `PRESENCE_STORE=memory`). Parses
 * to a {@link PresenceConfig}.
 *
 * @example
 * PresenceModule.forRoot(parseEnv(presenceEnvSchema, process.env));
 */
export const presenceEnvSchema = redisEnvSchema
  .extend({
    PRESENCE_STORE: z.enum(PRESENCE_STORES).default('redis'),
    PRESENCE_KEY_PREFIX: z.string().min(1).default('shopnest:presence:'),
    PRESENCE_TTL_S: z.coerce
      .number()
      .int()
      .min(3, 'must be at least 3 (edges heartbeat every third of it)')
      .default(60),
  })
  .superRefine((env, ctx) => {
    if (env.PRESENCE_STORE === 'redis' && !env.REDIS_URL) {
      ctx.addIssue({ code: 'custom', path: ['REDIS_URL'], message: 'required when PRESENCE_STORE=redis' });
    }
  })
  .transform((env): PresenceConfig => {
    const ttlMs = env.PRESENCE_TTL_S * 1000;
    return env.PRESENCE_STORE === 'memory'
      ? { driver: 'memory', ttlMs }
      : { driver: 'redis', url: env.REDIS_URL as string, keyPrefix: env.PRESENCE_KEY_PREFIX, ttlMs };
  });
