import { z } from 'zod';

/** Which {@link Fanout} adapter a service uses, with its settings. */
export type FanoutConfig =
  | { driver: 'local' }
  | { driver: 'redis'; redis: { url: string; keyPrefix: string } };

const redisUrl = z
  .string()
  .regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL');

/**
 * Redis settings shared by the fanout emitter and the edges' socket.io adapter:
 * `REDIS_URL` (a secret when it carries a password) and `SOCKET_IO_KEY`, the channel prefix that
 * emitters and edges must agree on (default `socket.io`).
 */
export const redisEnvSchema = z.object({
  REDIS_URL: redisUrl.optional(),
  SOCKET_IO_KEY: z.string().min(1).default('socket.io'),
});

/**
 * `FANOUT=redis|local` (default `redis`; anything else stops start-up) plus {@link redisEnvSchema},
 * where `REDIS_URL` is required unless `FANOUT=local`. Parses to the argument of `FanoutModule.forRoot`.
 *
 * @example
 * const fanout = parseEnv(fanoutEnvSchema, process.env); // { driver: 'redis', redis: { url, keyPrefix } }
 * FanoutModule.forRoot(fanout);
 */
export const fanoutEnvSchema = redisEnvSchema
  .extend({ FANOUT: z.enum(['redis', 'local']).default('redis') })
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
