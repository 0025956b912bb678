/** Kafka topic carrying every order domain event, keyed by order id so one order's events stay in order. */
export const ORDERS_TOPIC = 'shopnest.orders.v1';

/**
 * Partitions a service gives the orders topic when it finds it missing (production clusters
 * usually create it ahead): the most notification-worker replicas that share the work.
 */
export const ORDERS_TOPIC_PARTITIONS = 6;

/** Dead letters of {@link ORDERS_TOPIC}: events the worker could not parse or push after retries. */
export const ORDERS_DLQ_TOPIC = `${ORDERS_TOPIC}.dlq`;
