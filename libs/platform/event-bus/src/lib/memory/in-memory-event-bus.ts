import { describeZodError, Envelope, envelopeSchema } from '@shopnest/contracts';
import {
  ConsumeOptions,
  Consumption,
  EventBus,
  IncomingMessage,
  OutgoingEvent,
  RawRecord,
  ReadOptions,
  TopicSlice,
} from '../event-bus.port';

export interface InMemoryEventBusOptions {
  /** Partitions per topic; keys hash onto them. Default 3, like the dev Kafka. */
  partitions?: number;
  /** Pause before redelivering a message whose handler rejected, so a failing handler does not spin. Default 50 ms. */
  redeliveryDelayMs?: number;
}

/** A record as it would sit on the wire: events are stored serialised, like Kafka stores bytes. */
interface StoredRecord {
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

interface Member {
  handler: ConsumeOptions['handler'];
  /** Handler calls in progress (at most one per partition); `stop()` waits for them. */
  inFlight: Set<Promise<void>>;
}

interface Group {
  /** Next offset to deliver, per partition; advanced only after the handler resolves. */
  committed: number[];
  members: Member[];
}

interface Topic {
  partitions: StoredRecord[][];
  groups: Map<string, Group>;
  /** Wakes the partition loops: a publish, a member joining or leaving, or close. */
  changed: Signal;
}

const DEFAULT_READ_MAX = 100;

const STRUCTURED = { 'content-type': 'application/cloudevents+json' };

/**
 * {@link EventBus} in process memory: the default for unit tests and single-process dev runs,
 * with the same delivery semantics as the Kafka adapter (it passes the same contract suite).
 *
 * Guarantees: events with the same key land on the same partition (key hash) and are handled in
 * publish order; each group has its own committed offsets, advanced only after the handler
 * resolves; a rejected message is redelivered after `redeliveryDelayMs`; a group's members
 * share its partitions (partition `p` goes to member `p % n`), one handler call at a time per
 * partition. Nothing survives the process: no durability, no cross-process delivery. Events are
 * stored as JSON and validated on delivery, so a consumer never shares objects with the publisher.
 *
 * @example
 * const bus = new InMemoryEventBus();
 * await bus.consume({ topic: ORDERS_TOPIC, group: 'test', fromBeginning: true, handler });
 * await bus.publish(ORDERS_TOPIC, [{ key: 'o-1', event }]);
 */
export class InMemoryEventBus extends EventBus {
  private readonly topics = new Map<string, Topic>();
  private readonly partitionCount: number;
  private readonly redeliveryDelayMs: number;
  private readonly consumptions = new Set<Consumption>();
  private closing?: Promise<void>;

  constructor(options: InMemoryEventBusOptions = {}) {
    super();
    this.partitionCount = options.partitions ?? 3;
    this.redeliveryDelayMs = options.redeliveryDelayMs ?? 50;
  }

  async publish(topic: string, events: OutgoingEvent[]): Promise<void> {
    this.assertOpen();
    for (const { key, event } of events) {
      this.append(topic, { key, value: Buffer.from(JSON.stringify(event), 'utf8'), headers: { ...STRUCTURED } });
    }
  }

  /** Appends a record as given; consumers read its value as a structured-mode CloudEvent (the whole envelope as JSON). */
  async publishRaw(topic: string, record: RawRecord): Promise<void> {
    this.assertOpen();
    this.append(topic, { key: record.key, value: record.value, headers: { ...record.headers } });
  }

  async consume(options: ConsumeOptions): Promise<Consumption> {
    this.assertOpen();
    const topic = this.topic(options.topic);
    let group = topic.groups.get(options.group);
    if (!group) {
      // Like Kafka's auto.offset.reset: applies only to a group with no committed offsets yet.
      const start = options.fromBeginning ? () => 0 : (p: StoredRecord[]) => p.length;
      group = { committed: topic.partitions.map(start), members: [] };
      topic.groups.set(options.group, group);
      for (let p = 0; p < this.partitionCount; p++) void this.deliverLoop(options.topic, topic, group, p);
    }

    const member: Member = { handler: options.handler, inFlight: new Set() };
    group.members.push(member);
    topic.changed.notify();

    const joined = group;
    let stopping: Promise<void> | undefined;
    const consumption: Consumption = {
      stop: () =>
        (stopping ??= (async () => {
          this.consumptions.delete(consumption);
          joined.members = joined.members.filter((m) => m !== member);
          topic.changed.notify();
          // Finish the messages in hand; their offsets are committed as each one resolves.
          await Promise.allSettled([...member.inFlight]);
        })()),
      lag: async () =>
        topic.partitions.map((records, partition) => ({
          partition,
          lag: records.length - (joined.committed[partition] ?? 0),
        })),
    };
    this.consumptions.add(consumption);
    return consumption;
  }

  async read(options: ReadOptions): Promise<TopicSlice> {
    this.assertOpen();
    const topic = this.topics.get(options.topic);
    if (!topic) return { messages: [], ends: [] };
    const max = options.maxPerPartition ?? DEFAULT_READ_MAX;
    const startOf = new Map((options.from ?? []).map((p) => [p.partition, Number(p.offset)]));
    const messages: IncomingMessage[] = [];
    const ends = topic.partitions.map((records, partition) => {
      const start = Math.max(0, startOf.get(partition) ?? 0);
      const end = records.length;
      for (let offset = start; offset < Math.min(end, start + max); offset++) {
        messages.push(toIncoming(options.topic, partition, offset, records[offset] as StoredRecord));
      }
      return { partition, offset: String(end) };
    });
    return { messages, ends };
  }

  /** Stops every consumption (finishing messages in hand) and refuses further use. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.consumptions].map((c) => c.stop()));
      for (const topic of this.topics.values()) topic.changed.notify();
    })();
    return this.closing;
  }

  /** One loop per group and partition: that is what makes delivery sequential per partition. */
  private async deliverLoop(name: string, topic: Topic, group: Group, partition: number): Promise<void> {
    while (!this.closing) {
      const offset = group.committed[partition] as number;
      const record = topic.partitions[partition]?.[offset];
      const owner = group.members.length > 0 ? group.members[partition % group.members.length] : undefined;
      if (!record || !owner) {
        await topic.changed.wait();
        continue;
      }

      let failed = false;
      const handling = (async () => {
        try {
          await owner.handler(toIncoming(name, partition, offset, record));
          group.committed[partition] = offset + 1;
        } catch {
          failed = true;
        }
      })();
      owner.inFlight.add(handling);
      await handling;
      owner.inFlight.delete(handling);
      if (failed) await sleep(this.redeliveryDelayMs);
    }
  }

  private append(name: string, record: StoredRecord): void {
    const topic = this.topic(name);
    const partition = record.key === null ? 0 : hash(record.key) % this.partitionCount;
    topic.partitions[partition]?.push(record);
    topic.changed.notify();
  }

  private topic(name: string): Topic {
    let topic = this.topics.get(name);
    if (!topic) {
      topic = {
        partitions: Array.from({ length: this.partitionCount }, () => []),
        groups: new Map(),
        changed: new Signal(),
      };
      this.topics.set(name, topic);
    }
    return topic;
  }

  private assertOpen(): void {
    if (this.closing) throw new Error('in-memory event bus is closed');
  }
}

function toIncoming(topic: string, partition: number, offset: number, record: StoredRecord): IncomingMessage {
  const base = { topic, partition, offset: String(offset), key: record.key };
  const decoded = decode(record.value);
  if (typeof decoded !== 'string') {
    return { kind: 'event', ...base, event: decoded, raw: { value: record.value, headers: { ...record.headers } } };
  }
  return { kind: 'malformed', ...base, reason: decoded, value: record.value, headers: { ...record.headers } };
}

/** The envelope, or why the value is not one. */
function decode(value: Buffer | null): Envelope | string {
  if (value === null) return 'value is empty';
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch (error) {
    return `value is not JSON: ${(error as Error).message}`;
  }
  const parsed = envelopeSchema.safeParse(json);
  return parsed.success ? parsed.data : `invalid envelope: ${describeZodError(parsed.error)}`;
}

/** FNV-1a: stable across runs, so a key always maps to the same partition. */
function hash(key: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(key, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Level-free wake-up: `wait()` resolves at the next `notify()`. Callers re-check state after waking. */
class Signal {
  private waiters: (() => void)[] = [];

  wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
