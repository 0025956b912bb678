import { csv } from '@shopnest/platform-config';
import { z } from 'zod';

/**
 * The platform's topics have 6 partitions (`ORDERS_TOPIC_PARTITIONS`, `SUPPORT_TOPIC_PARTITIONS`):
 * handled side by side. Safe for channels fed from several partitions (`ops:orders`, a user's
 * orders): the worker appends and PUBLISHes each delivery in one Redis script, so a channel's
 * pushes leave Redis in offset order whichever handler sends them, as they do across worker replicas.
 */
export const DEFAULT_PARTITIONS_CONSUMED_CONCURRENTLY = 6;

/**
 * Within a partition, messages of this many keys (orders, tickets) are handled side by side; one
 * key's messages still one at a time, in order. A handler waits on round trips (Redis scripts, an
 * inbox insert's commit), so one message at a time per partition capped the worker at a few hundred
 * events per second however idle the machine (issue 14). What is given up is order across keys
 * within a partition, which no consumer may assume anyway: it never held across partitions.
 */
export const DEFAULT_KEYS_CONSUMED_CONCURRENTLY = 8;

export const EVENT_BUS_DRIVERS = ['kafka', 'memory'] as const;
export type EventBusDriver = (typeof EVENT_BUS_DRIVERS)[number];

/** Which {@link EventBus} adapter a service uses, with its settings: the argument of `EventBusModule.forRoot`. */
export interface EventBusConfig {
  driver: EventBusDriver;
  /** Required when `driver` is `kafka`. */
  kafka?: {
    brokers: string[];
    /** Names this service in broker logs and quotas. */
    clientId: string;
    /** Prefix of every topic and group on the broker; empty by default. */
    namespace?: string;
    /** How long a silent group member keeps its partitions before the broker reassigns them. */
    sessionTimeoutMs?: number;
    /** How many partitions each consumer handles at once. */
    consumerConcurrency?: number;
    /** How many keys each partition's messages are handled for at once (one message at a time per key). */
    keyConcurrency?: number;
  };
}

/** Client id when `KAFKA_CLIENT_ID` is not set. */
export const DEFAULT_KAFKA_CLIENT_ID = 'shopnest';

/**
 * `EVENT_BUS=kafka|memory` (default `kafka`; anything else stops start-up), `KAFKA_BROKERS`
 * (comma-separated `host:port`, required unless `EVENT_BUS=memory`), `KAFKA_CLIENT_ID`
 * (optional), `KAFKA_TOPIC_PREFIX` (optional namespace of topics and groups) and
 * `KAFKA_SESSION_TIMEOUT_MS` (default 30000; the broker's minimum is 6000) and
 * `KAFKA_CONSUMER_CONCURRENCY` (partitions handled at once per consumer, default 6, 1-64) and
 * `KAFKA_CONSUMER_KEY_CONCURRENCY` (keys handled at once within a partition, default 8, 1-64; one
 * message at a time per key). Parses to an {@link EventBusConfig}.
 *
 * @example
 * const eventBus = parseEnv(eventBusEnvSchema, process.env);
 * // { driver: 'kafka', kafka: { brokers: ['127.0.0.1:19092'], clientId: 'shopnest' } }
 * EventBusModule.forRoot(eventBus);
 */
export const eventBusEnvSchema = z
  .object({
    EVENT_BUS: z.enum(EVENT_BUS_DRIVERS).default('kafka'),
    KAFKA_BROKERS: csv().optional(),
    KAFKA_CLIENT_ID: z.string().min(1).optional(),
    KAFKA_TOPIC_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9._-]*$/, 'may hold only letters, digits, ".", "_" and "-"')
      .default(''),
    // A crashed consumer's partitions wait this long before another member takes them over.
    KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).max(300_000).default(30_000),
    // One message at a time per key either way; partitions, and keys within each, side by side up to these.
    KAFKA_CONSUMER_CONCURRENCY: z.coerce
      .number()
      .int()
      .min(1)
      .max(64)
      .default(DEFAULT_PARTITIONS_CONSUMED_CONCURRENTLY),
    KAFKA_CONSUMER_KEY_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(DEFAULT_KEYS_CONSUMED_CONCURRENTLY),
  })
  .superRefine((env, ctx) => {
    if (env.EVENT_BUS === 'kafka' && !env.KAFKA_BROKERS) {
      ctx.addIssue({
        code: 'custom',
        path: ['KAFKA_BROKERS'],
        message: 'required when EVENT_BUS=kafka (host:port,...)',
      });
    }
  })
  .transform(
    (env): EventBusConfig =>
      env.EVENT_BUS === 'memory'
        ? { driver: 'memory' }
        : {
            driver: 'kafka',
            kafka: {
              brokers: env.KAFKA_BROKERS ?? [],
              clientId: env.KAFKA_CLIENT_ID ?? DEFAULT_KAFKA_CLIENT_ID,
              namespace: env.KAFKA_TOPIC_PREFIX,
              sessionTimeoutMs: env.KAFKA_SESSION_TIMEOUT_MS,
              consumerConcurrency: env.KAFKA_CONSUMER_CONCURRENCY,
              keyConcurrency: env.KAFKA_CONSUMER_KEY_CONCURRENCY,
            },
          },
  );
