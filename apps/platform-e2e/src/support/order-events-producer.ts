import { Envelope, ORDERS_TOPIC } from '@shopnest/contracts';
import { Kafka, logLevel, Partitioners, Producer } from 'kafkajs';

/**
 * Writes order events straight to a run's orders topic, as order-tracking's outbox relay would, in
 * the wire format of the CloudEvents Kafka binding (binary mode: `ce_*` headers, `data` as the JSON
 * value, the order id as key). For volumes REST would take minutes to produce; the worker, the
 * edges and the clients downstream are the real thing.
 */
export class OrderEventsProducer {
  private readonly producer: Producer;

  constructor(
    brokers: string,
    /** The run's `KAFKA_TOPIC_PREFIX`. */
    private readonly topicPrefix: string,
  ) {
    const kafka = new Kafka({ clientId: 'e2e-producer', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
    this.producer = kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent: true,
      maxInFlightRequests: 1,
    });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  /**
   * Publishes in order (one key: one partition), acknowledged by every in-sync replica; to the
   * orders topic unless `options.topic` names another (a dead-letter topic), with `options.headers` added.
   */
  async publish(events: Envelope[], options: { topic?: string; headers?: Record<string, string> } = {}): Promise<void> {
    await this.producer.send({
      topic: `${this.topicPrefix}${options.topic ?? ORDERS_TOPIC}`,
      acks: -1,
      messages: events.map((event) => ({
        key: event.subject,
        value: JSON.stringify(event.data),
        headers: {
          ce_specversion: event.specversion,
          ce_id: event.id,
          ce_type: event.type,
          ce_source: event.source,
          ce_subject: event.subject,
          ce_time: event.time,
          ce_sequence: String(event.sequence),
          'content-type': event.datacontenttype,
          ...options.headers,
        },
      })),
    });
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }
}
