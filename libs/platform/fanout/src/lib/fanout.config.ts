import { redisEnvSchema } from '@shopnest/platform-redis';
import { z } from 'zod';

export const FANOUT_DRIVERS = ['redis', 'local'] as const;

/** Which {@link Fanout} adapter a service uses, with its settings. */
export type FanoutConfig = { driver: 'local' } | { driver: 'redis'; redis: { url: string; keyPrefix: string } };

/** socket.io's default Redis key prefix; emitters and the edges' `RedisIoAdapter` must use the same one. */
export const DEFAULT_SOCKET_IO_KEY = 'socket.io';

/**
 * `SOCKET_IO_KEY`: the Redis channel prefix that emitters (workers) and the edges' socket.io
 * adapter must agree on (default `socket.io`).
 */
export const socketIoEnvSchema = z.object({
  SOCKET_IO_KEY: z.string().min(1).default(DEFAULT_SOCKET_IO_KEY),
});

/**
 * `FANOUT=redis|local` (default `redis`; anything else stops start-up), `REDIS_URL` (required
 * unless `FANOUT=local`) and {@link socketIoEnvSchema}. Parses to the argument of `FanoutModule.forRoot`.
 *
 * @example
 * const fanout = parseEnv(fanoutEnvSchema, process.env); // { driver: 'redis', redis: { url, keyPrefix } }
 * FanoutModule.forRoot(fanout);
 */
export const fanoutEnvSchema = redisEnvSchema
  .extend({ ...socketIoEnvSchema.shape, FANOUT: z.enum(FANOUT_DRIVERS).default('redis') })
  .superRefine((env, ctx) => {
    if (env.FANOUT === 'redis' && !env.REDIS_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['REDIS_URL'],
        message: 'required when FANOUT=redis',
      });
    }
  })
  .transform(
    (env): FanoutConfig =>
      env.FANOUT === 'local'
        ? { driver: 'local' }
        : {
            driver: 'redis',
            redis: {
              url: env.REDIS_URL as string,
              keyPrefix: env.SOCKET_IO_KEY,
            },
          },
  );
