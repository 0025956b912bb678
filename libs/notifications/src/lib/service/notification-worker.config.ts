import { bool, envFragments, positiveInt, refusing, serviceEnv, ServiceSettings } from '@shopnest/platform-config';
import { jwtEnvSchema, JwtVerifyConfig } from '@shopnest/platform-auth';
import { EventBusConfig, eventBusEnvSchema } from '@shopnest/platform-event-bus';
import { FanoutConfig, fanoutEnvSchema } from '@shopnest/platform-fanout';
import { HistoryConfig, historyEnvSchema } from '@shopnest/platform-history';
import {
  DEFAULT_CANARY_INTERVAL_MS,
  DEFAULT_CONSUMER_GROUP,
  DEFAULT_LAG_INTERVAL_MS,
  DEFAULT_OPS_STATS_INTERVAL_MS,
  DEFAULT_RETRY,
  NotificationsConfig,
} from '../notifications.config';
import { PublishConfig, publishEnvSchema } from '../publish/publish.config';
import { corsEnvSchema, CorsOrigins } from '@shopnest/platform-http';
import { z } from 'zod';
import { InboxConfig, inboxEnvSchema } from '../inbox/inbox.config';

export const NOTIFICATION_WORKER = 'notification-worker';

/** The worker's typed config; nothing else in the process reads `process.env`. */
export interface NotificationWorkerConfig extends ServiceSettings {
  /** Verifies the tokens of the dead-letter API's callers (role `ops`) and of the inbox's (any role). */
  jwt: JwtVerifyConfig;
  eventBus: EventBusConfig;
  fanout: FanoutConfig;
  history: HistoryConfig;
  notifications: NotificationsConfig;
  /** Who may notify which channels through `POST /notifications` and `shopnest.notifications.v1`. */
  publish: PublishConfig;
  /** Users' notification inboxes: their database and retention. */
  inbox: InboxConfig;
  /** Origins whose browsers may call the worker's REST (the inbox from the web console); null: none. */
  cors: CorsOrigins;
}

const consumerEnvSchema = z
  .object({
    CONSUMER_GROUP: z.string().min(1).default(DEFAULT_CONSUMER_GROUP),
    CONSUMER_FROM_BEGINNING: bool(false),
    CONSUMER_LAG_INTERVAL_MS: positiveInt(DEFAULT_LAG_INTERVAL_MS),
    RETRY_ATTEMPTS: positiveInt(DEFAULT_RETRY.attempts),
    RETRY_BASE_DELAY_MS: positiveInt(DEFAULT_RETRY.baseDelayMs),
    RETRY_MAX_DELAY_MS: positiveInt(DEFAULT_RETRY.maxDelayMs),
    CANARY_INTERVAL_MS: z.coerce.number().int().min(0).max(3_600_000).default(DEFAULT_CANARY_INTERVAL_MS),
    OPS_STATS_INTERVAL_MS: z.coerce.number().int().min(0).max(3_600_000).default(DEFAULT_OPS_STATS_INTERVAL_MS),
  })
  .transform(
    (env): NotificationsConfig => ({
      consumer: {
        group: env.CONSUMER_GROUP,
        fromBeginning: env.CONSUMER_FROM_BEGINNING,
        lagIntervalMs: env.CONSUMER_LAG_INTERVAL_MS,
      },
      retry: { attempts: env.RETRY_ATTEMPTS, baseDelayMs: env.RETRY_BASE_DELAY_MS, maxDelayMs: env.RETRY_MAX_DELAY_MS },
      canaryIntervalMs: env.CANARY_INTERVAL_MS,
      opsStatsIntervalMs: env.OPS_STATS_INTERVAL_MS,
    }),
  );

/**
 * The notification worker's environment: service settings (HTTP for `/health/*`, `/metrics` and
 * the ops-only dead-letter API, `PORT` default 3002), JWT verification (`JWT_*`), the event bus, the fanout (`FANOUT`, `REDIS_URL`, `SOCKET_IO_KEY`),
 * channel history, the consumer group and retries, `PUBLISH_ALLOWLIST`, the inbox (`DATABASE_*`, schema `inbox`; `INBOX_*`) and `CORS_ORIGINS`.
 */
export const notificationWorkerEnvSchema = envFragments({
  service: serviceEnv(3002),
  jwt: jwtEnvSchema,
  eventBus: eventBusEnvSchema,
  fanout: fanoutEnvSchema,
  history: historyEnvSchema,
  notifications: consumerEnvSchema,
  publish: publishEnvSchema,
  inbox: inboxEnvSchema,
  cors: corsEnvSchema,
}).transform(
  ({ service, jwt, eventBus, fanout, history, notifications, publish, inbox, cors }): NotificationWorkerConfig => ({
    ...service,
    jwt,
    eventBus,
    fanout,
    history,
    notifications,
    publish,
    inbox,
    cors,
  }),
);

/**
 * The worker as its own process (the cluster): it consumes Kafka and pushes to the edges through
 * Redis, so the in-process adapters of the one-process mode are refused, each with the reason.
 */
export const notificationWorkerProcessEnvSchema = refusing(notificationWorkerEnvSchema, [
  {
    key: 'EVENT_BUS',
    value: 'memory',
    why: 'a worker in its own process would receive no order events; use Kafka, or the one-process mode (npm start)',
  },
  {
    key: 'FANOUT',
    value: 'local',
    why: 'a worker has no socket.io server of its own; it reaches the edges through Redis',
  },
  { key: 'HISTORY', value: 'memory', why: 'the edges could not replay a history kept in this process; use Redis' },
]);
