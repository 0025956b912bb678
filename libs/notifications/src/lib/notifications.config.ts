/** What the notifications module needs from the app's config. */
export interface NotificationsConfig {
  consumer: {
    /** Kafka consumer group; every worker replica joins the same one and shares the partitions. */
    group: string;
    /** Where a group with no committed offset starts: the topic's start, or only new events. */
    fromBeginning: boolean;
  };
}

/** DI token of {@link NotificationsConfig}. */
export const NOTIFICATIONS_CONFIG = Symbol('NOTIFICATIONS_CONFIG');

/** Group name used when the app does not set one. */
export const DEFAULT_CONSUMER_GROUP = 'notification-worker';
