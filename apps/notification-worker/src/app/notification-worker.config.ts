import { bool, envFragments, positiveInt, serviceEnv, ServiceSettings } from '@shopnest/platform-config';
import { EventBusConfig, eventBusEnvSchema } from '@shopnest/platform-event-bus';
import { FanoutConfig, redisEnvSchema } from '@shopnest/platform-fanout';
import { HistoryConfig, historyEnvSchema } from '@shopnest/platform-history';
import { DEFAULT_CONSUMER_GROUP, DEFAULT_LAG_INTERVAL_MS, DEFAULT_RETRY, NotificationsConfig } from '@shopnest/notifications';
import { z } from 'zod';

export const SERVICE_NAME = 'notification-worker';

/** The worker's typed config; nothing else in the process reads `process.env`. */
export interface NotificationWorkerConfig extends ServiceSettings {
  eventBus: EventBusConfig;
  fanout: FanoutConfig;
  history: HistoryConfig;
  notifications: NotificationsConfig;
}

const consumerEnvSchema = z
  .object({
    CONSUMER_GROUP: z.string().min(1).default(DEFAULT_CONSUMER_GROUP),
    CONSUMER_FROM_BEGINNING: bool(false),
    CONSUMER_LAG_INTERVAL_MS: positiveInt(DEFAULT_LAG_INTERVAL_MS),
    RETRY_ATTEMPTS: positiveInt(DEFAULT_RETRY.attempts),
    RETRY_BASE_DELAY_MS: positiveInt(DEFAULT_RETRY.baseDelayMs),
    RETRY_MAX_DELAY_MS: positiveInt(DEFAULT_RETRY.maxDelayMs),
  })
  .transform(
    (env): NotificationsConfig => ({
      consumer: { group: env.CONSUMER_GROUP, fromBeginning: env.CONSUMER_FROM_BEGINNING, lagIntervalMs: env.CONSUMER_LAG_INTERVAL_MS },
      retry: { attempts: env.RETRY_ATTEMPTS, baseDelayMs: env.RETRY_BASE_DELAY_MS, maxDelayMs: env.RETRY_MAX_DELAY_MS },
    }),
  );

// The worker has no socket.io server of its own, so it always pushes through Redis (`FANOUT=local`
// would make every push fail): no FANOUT key, and REDIS_URL is required.
const workerRedisEnvSchema = redisEnvSchema.transform((env, ctx): FanoutConfig => {
  if (env.REDIS_URL) return { driver: 'redis', redis: { url: env.REDIS_URL, keyPrefix: env.SOCKET_IO_KEY } };
  ctx.addIssue({ code: 'custom', path: ['REDIS_URL'], message: 'required: the worker pushes events through Redis' });
  return z.NEVER;
});

/**
 * The notification worker's environment: service settings (HTTP for `/health/*` and `/metrics`
 * only, `PORT` default 3002), the event bus, Redis (fanout and history), the consumer group and retries.
 */
export const notificationWorkerEnvSchema = envFragments({
  service: serviceEnv(3002),
  eventBus: eventBusEnvSchema,
  fanout: workerRedisEnvSchema,
  history: historyEnvSchema,
  notifications: consumerEnvSchema,
}).transform(
  ({ service, eventBus, fanout, history, notifications }): NotificationWorkerConfig => ({ ...service, eventBus, fanout, history, notifications }),
);
