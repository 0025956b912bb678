import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Admin, Consumer, Kafka, KafkaMessage, Partitioners, Producer, RetryOptions } from 'kafkajs';
import {
  ConsumeOptions,
  Consumption,
  EventBus,
  IncomingMessage,
  OutgoingEvent,
  PartitionLag,
  PartitionOffset,
  RawRecord,
  ReadOptions,
  TopicSlice,
} from '../event-bus.port';
import { DEFAULT_KEYS_CONSUMED_CONCURRENTLY, DEFAULT_PARTITIONS_CONSUMED_CONCURRENTLY } from '../event-bus.config';
import { decodeRecord, encodeRecord, headersToStrings } from './cloudevents-binding';
import { EventBusLogger, KAFKA_LOG_LEVELS, kafkaLogCreator, KafkaLogLevelName } from './kafka-log';
import { consumeByKey } from './keyed-batch';

/** Consumer group timings; the defaults suit production, tests shrink them to join faster. */
export interface KafkaConsumerTuning {
  /** ms without heartbeat before the broker evicts a member (kafkajs default 30000). */
  sessionTimeout?: number;
  /** ms the broker waits for members to re-join during a rebalance (kafkajs default 60000). */
  rebalanceTimeout?: number;
  /** ms between heartbeats; also how soon a member notices a rebalance (kafkajs default 3000). */
  heartbeatInterval?: number;
  /** ms a fetch waits on the broker for data; bounds how long `stop()` waits (default 1000; kafkajs's is 5000). */
  maxWaitTimeInMs?: number;
  /**
   * How many of a consumer's partitions are handled at the same time (default
   * {@link DEFAULT_PARTITIONS_CONSUMED_CONCURRENTLY}; kafkajs's is 1). At 1, every partition waits
   * for each message of every other: a handler's Redis round trips then cap the whole consumer at
   * what one message at a time allows (issue 14: events queued for seconds at 1,000 events/s on a
   * loaded 2-core machine). Above 1, handlers of different partitions interleave: only order
   * across partitions is given up, which Kafka never promised (the worker's shared channels take
   * their order from the Redis script that appends and publishes in one step, not from the consumer).
   */
  partitionsConsumedConcurrently?: number;
  /**
   * Within a partition, how many keys' messages are handled at the same time (default
   * {@link DEFAULT_KEYS_CONSUMED_CONCURRENTLY}); one key's messages always one at a time, in order.
   * 1: one message at a time per partition.
   */
  keysConsumedConcurrently?: number;
}

export interface KafkaEventBusOptions {
  brokers: string[];
  clientId: string;
  /** Receives kafkajs logs at `logLevel` and above; default: Nest-style console lines. */
  logger?: EventBusLogger;
  /** Default `warn`: kafkajs is chatty at info (every join, every connect). */
  logLevel?: KafkaLogLevelName;
  consumer?: KafkaConsumerTuning;
  /** How long `consume()` waits for its first group join before failing; default 30000 ms. */
  joinTimeoutMs?: number;
  /** How long `ping()` waits for the cluster to answer; default 2000 ms. */
  pingTimeoutMs?: number;
  /**
   * Prepended to every topic and consumer group on the broker (e.g. `staging.`), so several
   * environments or test runs share a cluster without seeing each other's events. Callers
   * keep using the contract names (`ORDERS_TOPIC`); messages report them unprefixed.
   */
  namespace?: string;
  /**
   * Created if missing on every successful connect, before any publish or consume goes through,
   * so a service that started while Kafka was away still gets its topics with their partitions.
   */
  topics?: TopicPartitions[];
  /**
   * Whether Nest's start-up connects, failing it within about a second when Kafka is unreachable
   * (default true). False: the service starts anyway and the first publish or consume connects
   * (and keeps retrying on later calls), for a producer that keeps working through an outbox.
   */
  connectAtStart?: boolean;
  /** How long `read()` may take (joining its throwaway group included) before it fails; default 15000 ms. */
  readTimeoutMs?: number;
}

/** A topic and the partition count to create it with. */
export interface TopicPartitions {
  topic: string;
  numPartitions: number;
}

// Start-up and probes fail fast (~0.3 s with no broker): a misconfigured service should stop at
// boot naming the brokers, and a readiness probe must answer before the orchestrator's timeout.
const FAIL_FAST_RETRY: RetryOptions = { retries: 2, initialRetryTime: 100, maxRetryTime: 500 };
// Once running, a broker restart or leader election is routine and takes seconds: ride it out
// (~1 min of backoff) rather than fail publishes or crash consumers on the first hiccup.
const STEADY_RETRY: RetryOptions = { retries: 8, initialRetryTime: 300, maxRetryTime: 10_000 };

/** Records per partition `read()` returns when the caller does not say. */
const DEFAULT_READ_MAX = 100;

/** One partition's offsets `read()` fetches: [start, end). */
interface ReadRange {
  partition: number;
  start: number;
  end: number;
}

/** Tries of topic creation (about 9 s of waiting in all) before a retriable error stops start-up. */
const CREATE_TOPICS_ATTEMPTS = 10;

const fallbackLogger: EventBusLogger = {
  error: (m) => console.error(m),
  warn: (m) => console.warn(m),
  log: (m) => console.log(m),
};

/** A handler failure, marked retriable so kafkajs re-fetches the message instead of crashing for good. */
class HandlerFailedError extends Error {
  readonly retriable = true;
  constructor(cause: unknown, where: string) {
    super(`handler failed on ${where}: ${message(cause)}`, { cause });
    this.name = 'HandlerFailedError';
  }
}

/**
 * {@link EventBus} over Apache Kafka (kafkajs), CloudEvents binary mode on the wire.
 *
 * - Publish: idempotent producer, `acks: -1` (all in-sync replicas), at most one request in
 *   flight per broker, so retries neither duplicate nor reorder; the default (murmur2) partitioner
 *   maps a key to the same partition as the Java client does.
 * - Consume: one kafkajs consumer per `consume()` call. Partitions side by side
 *   (`partitionsConsumedConcurrently`), and within each fetched batch of a partition, keys side by
 *   side (`keysConsumedConcurrently`, see {@link consumeByKey}): one key's messages reach the handler
 *   one at a time, in order. An offset is resolved only once its message and every earlier one of
 *   the batch resolved, and auto-commit only commits resolved offsets (at the end of each batch,
 *   on rebalance and on stop), so an offset is never committed before its handler resolved. A
 *   handler that rejects makes kafkajs re-fetch from the first unresolved offset: the same message
 *   comes again (after the consumer retry backoff). A crash between handling and commit
 *   redelivers at most the current batch: at-least-once, consumers de-duplicate by `event.id`.
 *   Any handler error is retried, even a TypeError, which kafkajs alone treats as fatal (the
 *   consumer would stop).
 * - Records that do not decode reach the handler as `kind: 'malformed'`; the consumer never stops
 *   on them.
 *
 * @example
 * const bus = new KafkaEventBus({ brokers: ['127.0.0.1:19092'], clientId: 'order-tracking' });
 * await bus.connect(); // throws `Kafka at 127.0.0.1:19092 unreachable: ...` when it is
 * await bus.ensureTopics([{ topic: ORDERS_TOPIC, numPartitions: 3 }]);
 * await bus.publish(ORDERS_TOPIC, [{ key: order.id, event }]);
 */
export class KafkaEventBus extends EventBus implements OnModuleInit, OnApplicationShutdown {
  /** Fail-fast client: start-up check and readiness probe. */
  private readonly probeKafka: Kafka;
  /** Patient client: producer, consumers and topic admin once the service runs. */
  private readonly kafka: Kafka;
  private readonly where: string;
  private readonly producer: Producer;
  private probeAdmin?: Admin;
  private connecting?: Promise<void>;
  private closing?: Promise<void>;
  private readonly consumptions = new Set<Consumption>();

  constructor(private readonly options: KafkaEventBusOptions) {
    super();
    if (options.brokers.length === 0) throw new Error('KafkaEventBus needs at least one broker');
    this.where = options.brokers.join(',');
    const common = {
      clientId: options.clientId,
      brokers: options.brokers,
      logLevel: KAFKA_LOG_LEVELS[options.logLevel ?? 'warn'],
      logCreator: kafkaLogCreator(options.logger ?? fallbackLogger),
    };
    this.probeKafka = new Kafka({ ...common, connectionTimeout: 1000, requestTimeout: 5000, retry: FAIL_FAST_RETRY });
    this.kafka = new Kafka({ ...common, connectionTimeout: 3000, retry: STEADY_RETRY });
    this.producer = this.kafka.producer({
      idempotent: true,
      // kafkajs serialises idempotent produce requests per broker anyway; 1 is what KIP-98 asks of
      // an idempotent producer and what kafkajs' own examples use, so ordering never depends on more.
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      // Bounded, unlike kafkajs' idempotent default (forever): a publish during a long outage
      // should fail so the caller can report it, not hang. kafkajs warns about this once at start.
      retry: STEADY_RETRY,
    });
  }

  /**
   * Checks the cluster answers and connects the producer. Fails within about a second, with an
   * error naming the brokers, so a service with a wrong `KAFKA_BROKERS` stops at boot.
   * Idempotent; `publish` and `consume` call it if the app did not.
   */
  connect(): Promise<void> {
    this.assertOpen();
    this.connecting ??= this.doConnect().catch((error: unknown) => {
      this.connecting = undefined; // let a later call try again
      throw error;
    });
    return this.connecting;
  }

  private async doConnect(): Promise<void> {
    const admin = this.probeKafka.admin();
    try {
      await admin.connect();
      await admin.describeCluster();
      this.probeAdmin = admin;
      await this.producer.connect();
    } catch (error) {
      await admin.disconnect().catch(() => undefined);
      throw this.unreachable(error);
    }
    if (this.options.topics?.length) await this.createMissing(this.options.topics);
  }

  /** Nest start-up: connect, so a bad broker list stops the app before it serves (unless `connectAtStart` is false). */
  async onModuleInit(): Promise<void> {
    if (this.options.connectAtStart ?? true) await this.connect();
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  /**
   * Readiness: resolves when the cluster answers a metadata request within `pingTimeoutMs`.
   * Meant for `/health/ready` (registered by `EventBusModule` as `kafka`).
   */
  async ping(): Promise<void> {
    await this.connect();
    const admin = this.probeAdmin;
    if (!admin) throw new Error(`Kafka at ${this.where}: not connected`);
    const timeoutMs = this.options.pingTimeoutMs ?? 2000;
    await withTimeout(
      admin.describeCluster(),
      timeoutMs,
      () => new Error(`Kafka at ${this.where} did not answer within ${timeoutMs} ms`),
    ).catch((error: unknown) => {
      throw this.unreachable(error);
    });
  }

  /**
   * Creates the topics that do not exist yet and waits for their partition leaders, so the
   * first publish or consume does not race topic creation. Existing topics are left as they are.
   */
  async ensureTopics(topics: TopicPartitions[]): Promise<void> {
    await this.connect();
    await this.createMissing(topics);
  }

  private async createMissing(topics: TopicPartitions[]): Promise<void> {
    // kafkajs waits for new topics' leaders but gives up when a fresh KRaft topic briefly answers
    // UNKNOWN_TOPIC_OR_PARTITION (retriable), as it does when another service created it a moment
    // ago: ask again, which then finds the topics made.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.createMissingOnce(topics);
      } catch (error) {
        if (attempt >= CREATE_TOPICS_ATTEMPTS || (error as { retriable?: unknown }).retriable !== true) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  }

  private async createMissingOnce(topics: TopicPartitions[]): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      // Creating an existing topic is harmless but makes kafkajs log an error: ask first.
      const existing = new Set(await admin.listTopics());
      const wanted = topics.map((t) => ({ ...t, topic: this.onBroker(t.topic) }));
      const missing = wanted.filter((t) => !existing.has(t.topic));
      if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: true });
      // A topic another service created a moment ago is listed before its partitions have leaders,
      // and kafkajs waits only for the ones it created: a consumer joining then fails to start
      // ("This server does not host this topic-partition"). Wait for every wanted topic's leaders.
      if (wanted.length === 0) return;
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics: wanted.map((t) => t.topic) });
      const leaderless = metadata
        .filter(({ partitions }) => partitions.length === 0 || partitions.some((p) => p.leader < 0))
        .map(({ name }) => name);
      if (leaderless.length > 0)
        throw Object.assign(new Error(`topics without partition leaders yet: ${leaderless.join(', ')}`), {
          retriable: true,
        });
    } finally {
      await admin.disconnect();
    }
  }

  async publish(topic: string, events: OutgoingEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.connect();
    await this.producer.send({
      topic: this.onBroker(topic),
      acks: -1,
      messages: events.map(({ key, event }) => encodeRecord(key, event)),
    });
  }

  async publishRaw(topic: string, record: RawRecord): Promise<void> {
    await this.connect();
    await this.producer.send({
      topic: this.onBroker(topic),
      acks: -1,
      messages: [{ key: record.key, value: record.value, headers: { ...record.headers } }],
    });
  }

  /**
   * Starts a consumer in `options.group` and resolves once it has joined the group and holds its
   * partitions, so callers (and tests) know the group is settled. Rejects, naming the group, if
   * it cannot join within `joinTimeoutMs`. With `fromBeginning: false` the start offset is
   * resolved at the first fetch, just after the join: publish later than that to be sure.
   */
  async consume(options: ConsumeOptions): Promise<Consumption> {
    await this.connect();
    const {
      partitionsConsumedConcurrently = DEFAULT_PARTITIONS_CONSUMED_CONCURRENTLY,
      keysConsumedConcurrently = DEFAULT_KEYS_CONSUMED_CONCURRENTLY,
      ...tuning
    } = this.options.consumer ?? {};
    const consumer = this.kafka.consumer({
      groupId: this.onBroker(options.group),
      // An idle fetch parks on the broker this long, and shutdown waits for it: keep it short.
      maxWaitTimeInMs: 1_000,
      ...tuning,
      // A failing handler is retried from its offset with this backoff; after the last retry
      // kafkajs restarts the consumer (re-join) and goes on retrying: the partition waits, in order.
      retry: { ...STEADY_RETRY, initialRetryTime: 200, restartOnFailure: async () => true },
    });

    const joined = firstJoin(consumer);
    let lagAdmin: Promise<Admin> | undefined;
    const consumption: Consumption = {
      stop: once(async () => {
        this.consumptions.delete(consumption);
        // disconnect() stops fetching, lets the message in hand finish, commits, leaves the group.
        await consumer.disconnect();
        await lagAdmin?.then((admin) => admin.disconnect()).catch(() => undefined);
      }),
      lag: async () => {
        // One admin connection per consumption, opened on first use and kept for later polls.
        lagAdmin ??= (async () => {
          const admin = this.kafka.admin();
          await admin.connect();
          return admin;
        })().catch((error: unknown) => {
          lagAdmin = undefined;
          throw error;
        });
        return groupLag(await lagAdmin, this.onBroker(options.topic), this.onBroker(options.group));
      },
    };
    this.consumptions.add(consumption);

    try {
      await consumer.connect();
      await consumer.subscribe({ topic: this.onBroker(options.topic), fromBeginning: options.fromBeginning ?? false });
      await consumer.run({
        autoCommit: true,
        partitionsConsumedConcurrently,
        // Offsets are resolved as messages are handled (in order), never a whole batch at once.
        eachBatchAutoResolve: false,
        eachBatch: (payload) => {
          const { topic, partition } = payload.batch;
          return consumeByKey(
            payload,
            keysConsumedConcurrently,
            (message) => options.handler(toIncoming(options.topic, partition, message)),
            (error, message) => new HandlerFailedError(error, `${topic}[${partition}]@${message.offset}`),
          );
        },
      });
      const timeoutMs = this.options.joinTimeoutMs ?? 30_000;
      await withTimeout(joined.promise, timeoutMs, () => new Error(`did not join within ${timeoutMs} ms`));
      return consumption;
    } catch (error) {
      await consumption.stop().catch(() => undefined);
      throw new Error(
        `Kafka at ${this.where}: consumer of ${options.topic} in group ${options.group} failed to start: ${message(error)}`,
        { cause: error },
      );
    } finally {
      joined.dispose();
    }
  }

  /**
   * Reads with the public kafkajs API only: the admin's `fetchTopicOffsets` fixes each partition's
   * range, then a short-lived consumer in a throwaway group (never committing, deleted afterwards)
   * seeks to each range's start and pauses each partition once its range is read. A fresh group
   * costs one join (`group.initial.rebalance.delay.ms` on the broker, 3 s by default): fine for an
   * operator's tool, not for a hot path.
   */
  async read(options: ReadOptions): Promise<TopicSlice> {
    await this.connect();
    const topic = this.onBroker(options.topic);
    const max = options.maxPerPartition ?? DEFAULT_READ_MAX;
    const startOf = new Map((options.from ?? []).map((p) => [p.partition, Number(p.offset)]));
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      if (!(await admin.listTopics()).includes(topic)) return { messages: [], ends: [] };
      const offsets = (await admin.fetchTopicOffsets(topic)).sort((a, b) => a.partition - b.partition);
      const ends: PartitionOffset[] = offsets.map(({ partition, high }) => ({ partition, offset: high }));
      const ranges = offsets
        .map(({ partition, low, high }): ReadRange => {
          // Below the earliest kept record (retention removed it), start at that record.
          const start = Math.max(Number(low), startOf.get(partition) ?? 0);
          return { partition, start, end: Math.min(Number(high), start + max) };
        })
        .filter((range) => range.start < range.end);
      if (ranges.length === 0) return { messages: [], ends };
      const groupId = this.onBroker(`shopnest.reader.${randomUUID()}`);
      try {
        const idle = offsets.map((o) => o.partition).filter((p) => !ranges.some((range) => range.partition === p));
        return { messages: await this.readRanges(options.topic, groupId, ranges, idle), ends };
      } finally {
        await admin.deleteGroups([groupId]).catch(() => undefined); // a leftover empty group expires by itself
      }
    } finally {
      await admin.disconnect();
    }
  }

  private async readRanges(
    name: string,
    groupId: string,
    ranges: ReadRange[],
    idle: number[],
  ): Promise<IncomingMessage[]> {
    const topic = this.onBroker(name);
    const rangeOf = new Map(ranges.map((range) => [range.partition, range]));
    // Keyed by offset: a fetch issued before the seeks took effect may bring a record twice.
    const read = new Map(ranges.map((range) => [range.partition, new Map<number, IncomingMessage>()]));
    const pending = new Set(rangeOf.keys());
    let finished: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (finished = resolve));
    const consumer = this.kafka.consumer({ groupId, maxWaitTimeInMs: 100, retry: FAIL_FAST_RETRY });
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const range = rangeOf.get(batch.partition);
          if (!range || !pending.has(batch.partition)) return;
          for (const record of batch.messages) {
            const offset = Number(record.offset);
            if (offset >= range.start && offset < range.end)
              read.get(batch.partition)?.set(offset, toIncoming(name, batch.partition, record));
          }
          // Offsets of these topics are contiguous (no compaction, no transactions): the last one read ends the range.
          if (Number(batch.lastOffset()) + 1 >= range.end) {
            pending.delete(batch.partition);
            consumer.pause([{ topic, partitions: [batch.partition] }]);
            if (pending.size === 0) finished();
          }
        },
      });
      if (idle.length > 0) consumer.pause([{ topic, partitions: idle }]);
      for (const { partition, start } of ranges) consumer.seek({ topic, partition, offset: String(start) });
      const timeoutMs = this.options.readTimeoutMs ?? 15_000;
      await withTimeout(
        done,
        timeoutMs,
        () => new Error(`Kafka at ${this.where}: reading ${name} took over ${timeoutMs} ms`),
      );
    } finally {
      await consumer.disconnect().catch(() => undefined);
    }
    return ranges.flatMap(({ partition }) =>
      [...(read.get(partition)?.entries() ?? [])].sort(([a], [b]) => a - b).map(([, message]) => message),
    );
  }

  /** Stops every consumption, then disconnects producer and admin. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.connecting?.catch(() => undefined);
      await Promise.allSettled([...this.consumptions].map((c) => c.stop()));
      await Promise.allSettled([this.producer.disconnect(), this.probeAdmin?.disconnect()]);
    })();
    return this.closing;
  }

  /** The name of a topic or group on the broker: the contract name in this bus's namespace. */
  private onBroker(name: string): string {
    return `${this.options.namespace ?? ''}${name}`;
  }

  private assertOpen(): void {
    if (this.closing) throw new Error(`Kafka event bus (${this.where}) is closed`);
  }

  private unreachable(error: unknown): Error {
    return new Error(`Kafka at ${this.where} unreachable: ${message(error)}`, { cause: error });
  }
}

/** Per partition: the high watermark minus the group's committed offset (the earliest kept one when none is committed). */
async function groupLag(admin: Admin, topic: string, groupId: string): Promise<PartitionLag[]> {
  const [ends, [committed]] = await Promise.all([
    admin.fetchTopicOffsets(topic),
    admin.fetchOffsets({ groupId, topics: [topic] }),
  ]);
  const committedOf = new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  return ends
    .map(({ partition, high, low }) => {
      const done = committedOf.get(partition) ?? -1;
      // -1: nothing committed yet; count from the earliest retained offset.
      const from = done < 0 ? Number(low) : done;
      return { partition, lag: Math.max(0, Number(high) - from) };
    })
    .sort((a, b) => a.partition - b.partition);
}

function toIncoming(topic: string, partition: number, record: KafkaMessage): IncomingMessage {
  const key = record.key?.toString('utf8') ?? null;
  const decoded = decodeRecord(record);
  if (decoded.ok) {
    return {
      kind: 'event',
      topic,
      partition,
      offset: record.offset,
      key,
      event: decoded.event,
      raw: { value: record.value, headers: headersToStrings(record.headers) },
    };
  }
  return {
    kind: 'malformed',
    topic,
    partition,
    offset: record.offset,
    key,
    reason: decoded.reason,
    value: record.value,
    headers: decoded.headers,
  };
}

/** Resolves on the consumer's first group join; rejects if it crashes for good before that. */
function firstJoin(consumer: Consumer): { promise: Promise<void>; dispose: () => void } {
  const removers: (() => void)[] = [];
  const promise = new Promise<void>((resolve, reject) => {
    removers.push(consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    removers.push(
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (!payload.restart) reject(payload.error);
      }),
    );
  });
  promise.catch(() => undefined); // observed through withTimeout; never an unhandled rejection
  return { promise, dispose: () => removers.forEach((remove) => remove()) };
}

function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  promise.catch(() => undefined); // the loser of the race must not surface as unhandled
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= fn());
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
