import { Envelope } from '@shopnest/contracts';

/** One event to publish, with the key that orders it (the order id for order events). */
export interface OutgoingEvent {
  key: string;
  event: Envelope;
}

/**
 * A record as bytes on the wire, bypassing envelope encoding: what `publishRaw` writes and what
 * a consumer may forward unchanged (e.g. to a dead-letter topic).
 */
export interface RawRecord {
  key: string | null;
  value: Buffer | null;
  headers?: Record<string, string>;
}

/** A message as it came off the bus: decoded when it could be, raw otherwise. */
export type IncomingMessage =
  | {
      kind: 'event';
      topic: string;
      partition: number;
      offset: string;
      key: string | null;
      event: Envelope;
      /** The record's bytes and headers as received, so a consumer can dead-letter the original. */
      raw: { value: Buffer | null; headers: Record<string, string> };
    }
  | {
      kind: 'malformed';
      topic: string;
      partition: number;
      offset: string;
      key: string | null;
      /** Why it could not be decoded, for the dead-letter headers. */
      reason: string;
      value: Buffer | null;
      headers: Record<string, string>;
    };

export interface ConsumeOptions {
  topic: string;
  /** Consumer group: the group's members share the topic's partitions. */
  group: string;
  /** Where a group with no committed offset starts; default `latest`. */
  fromBeginning?: boolean;
  /**
   * Called for each message; messages of one key one at a time, in partition order. Messages of
   * different keys (of one partition or of several) may be in hand at the same time, so no
   * handler may rely on an order across keys. An offset is committed only once its message and
   * every earlier one of its partition resolved; if one rejects, it is delivered again, and so
   * may be later ones of other keys that had resolved meanwhile (at-least-once: de-duplicate by
   * `event.id`). A key's later messages wait until its rejected one resolves.
   */
  handler: (message: IncomingMessage) => Promise<void>;
}

/** How far a group is behind on one partition: messages published but not yet committed. */
export interface PartitionLag {
  partition: number;
  lag: number;
}

/** A running consumer; `stop()` finishes the message in hand, commits, and leaves the group. */
export interface Consumption {
  stop(): Promise<void>;
  /**
   * The group's lag on every partition of the topic (the whole group's, not only this member's
   * partitions), from committed offsets: a message in hand still counts. For metrics.
   */
  lag(): Promise<PartitionLag[]>;
}

/** A position in a topic: the next offset to read on one partition. */
export interface PartitionOffset {
  partition: number;
  offset: string;
}

export interface ReadOptions {
  topic: string;
  /** Where to start on each partition; a partition not named (or named below it) starts at its earliest kept record. */
  from?: PartitionOffset[];
  /** At most this many records per partition (default 100). */
  maxPerPartition?: number;
}

/** What `read` found: records in partition, then offset order, and where each partition ended when the read began. */
export interface TopicSlice {
  messages: IncomingMessage[];
  /**
   * Per partition, the offset after the last record that existed when the read began (Kafka's
   * high watermark). A partition is read to its end when the next offset reaches it.
   */
  ends: PartitionOffset[];
}

/**
 * The event bus between services.
 *
 * Guarantees: `publish` resolves once the bus has durably accepted every event (Kafka:
 * acks=all, idempotent producer, so retries never duplicate); events with the same key are
 * delivered in publish order; delivery is at-least-once, so consumers de-duplicate by
 * `event.id`. `close()` stops every consumption and flushes the producer; it is idempotent.
 *
 * @example
 * await bus.publish(ORDERS_TOPIC, [{ key: order.id, event }]);
 * const c = await bus.consume({ topic: ORDERS_TOPIC, group: 'notification-worker', handler });
 */
export abstract class EventBus {
  abstract publish(topic: string, events: OutgoingEvent[]): Promise<void>;
  /**
   * Writes one record exactly as given (key, bytes, headers), with the same durability as
   * `publish`. For forwarding records that are not valid envelopes, such as dead letters; a
   * consumer of `topic` receives it as `malformed` unless the bytes happen to decode.
   *
   * @example
   * await bus.publishRaw(ORDERS_DLQ_TOPIC, { key: message.key, value: message.raw.value, headers: { ...message.raw.headers, 'dlq-reason': 'failed' } });
   */
  abstract publishRaw(topic: string, record: RawRecord): Promise<void>;
  abstract consume(options: ConsumeOptions): Promise<Consumption>;
  /**
   * Reads records of `topic` as they are stored, outside any consumer group: for tools that
   * inspect a topic (dead letters). Reads only records that existed when the call began, from
   * `from` (or each partition's earliest kept record), at most `maxPerPartition` per partition;
   * decodes them as `consume` does. Commits nothing and joins no group a consumer uses, so no
   * consumption sees a difference. A topic that does not exist reads as empty.
   *
   * @example
   * let from: PartitionOffset[] = [];
   * const { messages, ends } = await bus.read({ topic: ORDERS_DLQ_TOPIC, from, maxPerPartition: 50 });
   */
  abstract read(options: ReadOptions): Promise<TopicSlice>;
  abstract close(): Promise<void>;
}
