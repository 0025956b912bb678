import { z } from 'zod';

/** A `redis://` or `rediss://` URL (a secret when it carries a password). */
export const redisUrlSchema = z.string().regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL');

/**
 * `REDIS_URL`, shared by every Redis adapter of a service. Optional here: each module whose
 * switch picks Redis (`FANOUT=redis`, `HISTORY=redis`, `RATE_LIMIT_STORE=redis`) requires it.
 *
 * @example
 * const schema = redisEnvSchema.extend({ HISTORY: z.enum(['redis', 'memory']) });
 */
export const redisEnvSchema = z.object({ REDIS_URL: redisUrlSchema.optional() });
