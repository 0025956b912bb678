/** What the notifications module needs from the app's config. */
export interface NotificationsConfig {
  consumer: {
    /** Kafka consumer group; every worker replica joins the same one and shares the partitions. */
    group: string;
    /** Where a group with no committed offset starts: the topic's start, or only new events. */
    fromBeginning: boolean;
    /** How often the group's lag is read into `shopnest_consumer_lag`. */
    lagIntervalMs: number;
  };
  /**
   * Retries of an event whose history append or push failed: exponential backoff with full
   * jitter (delay before retry n is random in [0, min(maxDelayMs, baseDelayMs·2ⁿ⁻¹)]). After
   * `attempts` tries the event is dead-lettered, unless a dependency is down (then the bus
   * delivers it again, in order, instead).
   */
  retry: {
    attempts: number;
    baseDelayMs: number;
    maxDelayMs: number;
  };
  /** How often this worker sends a delivery canary through the whole path; 0: never. */
  canaryIntervalMs: number;
  /** How often this worker reports its lag, dead letters and event rate to the ops board (`ops.stats`); 0 or unset: never. */
  opsStatsIntervalMs?: number;
}

/** DI token of {@link NotificationsConfig}. */
export const NOTIFICATIONS_CONFIG = Symbol('NOTIFICATIONS_CONFIG');

/** Group name used when the app does not set one. */
export const DEFAULT_CONSUMER_GROUP = 'notification-worker';

/** Defaults of `RETRY_ATTEMPTS`, `RETRY_BASE_DELAY_MS`, `RETRY_MAX_DELAY_MS`. */
export const DEFAULT_RETRY: NotificationsConfig['retry'] = { attempts: 5, baseDelayMs: 100, maxDelayMs: 5_000 };

/** Default of `CANARY_INTERVAL_MS`. */
export const DEFAULT_CANARY_INTERVAL_MS = 5_000;

/** Default of `OPS_STATS_INTERVAL_MS`. */
export const DEFAULT_OPS_STATS_INTERVAL_MS = 2_000;

/** Default of `CONSUMER_LAG_INTERVAL_MS`. */
export const DEFAULT_LAG_INTERVAL_MS = 10_000;
