import { positiveInt } from '@shopnest/platform-config';
import { redisEnvSchema } from '@shopnest/platform-redis';
import { z } from 'zod';
import { DEFAULT_HISTORY_KEY_PREFIX, DEFAULT_HISTORY_LIMITS, HistoryLimits } from './channel-history.port';

export const HISTORY_DRIVERS = ['redis', 'memory'] as const;

/** Which adapters `HistoryModule.forRoot` provides, with their settings. */
export type HistoryConfig =
  | { driver: 'memory'; limits: HistoryLimits }
  | { driver: 'redis'; limits: HistoryLimits; redis: { url: string; keyPrefix: string } };

const seconds = (ms: number) => ms / 1000;

/**
 * `HISTORY=redis|memory` (default `redis`; anything else stops start-up), `HISTORY_MAX_LENGTH`
 * (events kept per channel, default 1000), `HISTORY_MAX_AGE_S` (default 86400),
 * `HISTORY_DEDUPE_TTL_S` (how long an event id is remembered, default 3600), `HISTORY_KEY_PREFIX`
 * (default `history:`; the same on workers and edges) and `REDIS_URL` (required unless
 * `HISTORY=memory`). Parses to a {@link HistoryConfig}.
 *
 * @example
 * HistoryModule.forRoot(parseEnv(historyEnvSchema, process.env));
 */
export const historyEnvSchema = z
  .object({
    HISTORY: z.enum(HISTORY_DRIVERS).default('redis'),
    HISTORY_MAX_LENGTH: positiveInt(DEFAULT_HISTORY_LIMITS.maxLength),
    HISTORY_MAX_AGE_S: positiveInt(seconds(DEFAULT_HISTORY_LIMITS.maxAgeMs)),
    HISTORY_DEDUPE_TTL_S: positiveInt(seconds(DEFAULT_HISTORY_LIMITS.dedupeTtlMs)),
    HISTORY_KEY_PREFIX: z.string().min(1).default(DEFAULT_HISTORY_KEY_PREFIX),
    REDIS_URL: redisEnvSchema.shape.REDIS_URL,
  })
  .superRefine((env, ctx) => {
    if (env.HISTORY === 'redis' && !env.REDIS_URL) {
      ctx.addIssue({ code: 'custom', path: ['REDIS_URL'], message: 'required when HISTORY=redis' });
    }
  })
  .transform((env): HistoryConfig => {
    const limits: HistoryLimits = {
      maxLength: env.HISTORY_MAX_LENGTH,
      maxAgeMs: env.HISTORY_MAX_AGE_S * 1000,
      dedupeTtlMs: env.HISTORY_DEDUPE_TTL_S * 1000,
    };
    return env.HISTORY === 'memory'
      ? { driver: 'memory', limits }
      : { driver: 'redis', limits, redis: { url: env.REDIS_URL as string, keyPrefix: env.HISTORY_KEY_PREFIX } };
  });
