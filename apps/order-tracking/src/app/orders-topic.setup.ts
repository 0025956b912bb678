import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { ORDERS_TOPIC } from '@shopnest/contracts';
import { EventBus, KafkaEventBus } from '@shopnest/platform-event-bus';

/** Partitions of the orders topic when this service creates it (as many as the dev cluster's default). */
const ORDERS_TOPIC_PARTITIONS = 3;

/**
 * Creates the orders topic before the service takes requests, so the first publish does not race
 * broker-side auto-creation. Only Kafka has topics to create; the in-memory bus needs nothing.
 */
@Injectable()
export class OrdersTopicSetup implements OnApplicationBootstrap {
  constructor(private readonly bus: EventBus) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.bus instanceof KafkaEventBus) {
      await this.bus.ensureTopics([{ topic: ORDERS_TOPIC, numPartitions: ORDERS_TOPIC_PARTITIONS }]);
    }
  }
}
