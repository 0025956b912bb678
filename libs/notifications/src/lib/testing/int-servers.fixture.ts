import { KafkaEventBus } from '@shopnest/platform-event-bus';
import { RedisChannelPublisher, RedisProcessedEvents, RedisStreamsHistory } from '@shopnest/platform-history';

/** The real servers of an int-spec, from the environment the int-test globalSetup provides. */
export function intServers(): { brokers: string[]; redisUrl: string } {
  const brokers = (process.env['KAFKA_BROKERS'] ?? '').split(',').filter(Boolean);
  const redisUrl = process.env['REDIS_URL'] ?? '';
  if (brokers.length === 0 || !redisUrl)
    throw new Error('KAFKA_BROKERS and REDIS_URL must be set (the int-test globalSetup provides them)');
  return { brokers, redisUrl };
}

const quiet = { error: () => undefined, warn: () => undefined, log: () => undefined };

/** A Kafka bus in the test's own namespace, with group timings shrunk so joins take well under a second. */
export function testKafkaBus(
  brokers: string[],
  namespace: string,
  clientId: string,
  partitionsConsumedConcurrently?: number,
): KafkaEventBus {
  return new KafkaEventBus({
    brokers,
    clientId,
    namespace,
    logger: quiet,
    consumer: {
      sessionTimeout: 6000,
      rebalanceTimeout: 3000,
      heartbeatInterval: 200,
      maxWaitTimeInMs: 200,
      ...(partitionsConsumedConcurrently && { partitionsConsumedConcurrently }),
    },
    joinTimeoutMs: 20_000,
  });
}

/** The worker's Redis side: channel history, the processed-event store and the publisher over them; `close()` closes all. */
export async function redisWorkerParts(
  redisUrl: string,
  options: { keyPrefix: string; socketIoKey: string; processedTtlMs: number },
): Promise<{
  history: RedisStreamsHistory;
  processed: RedisProcessedEvents;
  publisher: RedisChannelPublisher;
  close: () => Promise<void>;
}> {
  const { keyPrefix, socketIoKey, processedTtlMs } = options;
  const history = await RedisStreamsHistory.connect(redisUrl, { keyPrefix });
  const processed = await RedisProcessedEvents.connect(redisUrl, { keyPrefix, ttlMs: processedTtlMs });
  const publisher = new RedisChannelPublisher(history, { socketIoKey });
  return {
    history,
    processed,
    publisher,
    close: async () => {
      await Promise.all([history.close(), processed.close()]);
    },
  };
}
