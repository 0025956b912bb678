import { Envelope } from '@shopnest/contracts';
import { currentTraceContext, TraceContext } from '@shopnest/platform-tracing';
import { Outbox, OutboxBacklog, OutboxEntry } from '../outbox.port';

interface Row {
  id: number;
  key: string;
  event: Envelope;
  createdAt: number;
  availableAt: number;
  /** Bumped when a waiting entry is replaced, so a publish of the old one does not mark the new one. */
  revision: number;
  sentAt: number | null;
  claimed: boolean;
  trace?: TraceContext;
}

/** One entry as a timeline shows it. */
export interface InMemoryOutboxEntry {
  event: Envelope;
  /** When it was published (ms since the epoch); null while pending. */
  sentAt: number | null;
}

/**
 * {@link Outbox} in memory, for unit tests and in-memory repositories: the same guarantees as
 * `PostgresOutbox` in one process (one relay). The owning repository appends in its own
 * (synchronous, hence atomic) changes; listeners run after the change, as after a commit.
 *
 * @example
 * const outbox = new InMemoryOutbox();
 * outbox.append(order.id, orderCreatedEvent(order));
 */
export class InMemoryOutbox extends Outbox {
  private readonly rows: Row[] = [];
  private readonly listeners = new Set<() => void>();
  private nextId = 1;

  /** `archive`: keeps what pruning deletes (as the SQL adapter's `OutboxTable.archive`). */
  constructor(private readonly archive?: (entry: InMemoryOutboxEntry & { key: string }) => void) {
    super();
  }

  /**
   * Appends an entry of `key`, not published before `availableAt` (ms since the epoch; default
   * now), with the trace context of the caller (as the SQL adapter's row keeps it).
   */
  append(key: string, event: Envelope, availableAt = Date.now(), trace = currentTraceContext()): void {
    this.rows.push({
      trace,
      id: this.nextId++,
      key,
      event,
      createdAt: Date.now(),
      availableAt,
      revision: 0,
      sentAt: null,
      claimed: false,
    });
    // As a commit would: listeners run after the change is visible, never inside it.
    queueMicrotask(() => this.listeners.forEach((listener) => listener()));
  }

  /** Every entry of `key`, oldest first. */
  entries(key: string): InMemoryOutboxEntry[] {
    return this.rows.filter((row) => row.key === key).map((row) => ({ event: row.event, sentAt: row.sentAt }));
  }

  /** Makes the entries of `key` that wait for their time (and are not being published) due now. */
  releaseWaiting(key: string): void {
    const now = Date.now();
    for (const row of this.rows) {
      if (row.key === key && row.sentAt === null && !row.claimed && row.availableAt > now) row.availableAt = now;
    }
  }

  /**
   * Replaces the event of the newest unpublished entry of `key` when `replaceable` says so and no
   * relay is publishing it; true when it did (the entry keeps its place and due time, and takes the
   * caller's trace context).
   */
  replaceLastPending(
    key: string,
    event: Envelope,
    replaceable: (pending: Envelope) => boolean,
    trace = currentTraceContext(),
  ): boolean {
    for (let i = this.rows.length - 1; i >= 0; i--) {
      const row = this.rows[i] as Row;
      if (row.key !== key || row.sentAt !== null) continue;
      if (row.claimed || !replaceable(row.event)) return false;
      row.event = event;
      row.trace = trace;
      row.revision += 1;
      return true;
    }
    return false;
  }

  async relay(limit: number, publish: (entries: OutboxEntry[]) => Promise<void>): Promise<number> {
    const now = Date.now();
    const blocked = new Set<string>();
    const claimed: { row: Row; revision: number }[] = [];
    for (const row of this.rows) {
      if (claimed.length >= limit) break;
      if (row.sentAt !== null || blocked.has(row.key)) continue;
      if (row.claimed || row.availableAt > now) {
        // Nothing of this key may overtake an entry that is not due or is being published.
        blocked.add(row.key);
        continue;
      }
      claimed.push({ row, revision: row.revision });
    }
    if (claimed.length === 0) return 0;
    claimed.forEach(({ row }) => (row.claimed = true));
    try {
      await publish(
        claimed.map(({ row }) => ({
          id: row.id,
          key: row.key,
          event: row.event,
          createdAt: new Date(row.createdAt),
          ...(row.trace ? { trace: row.trace } : {}),
        })),
      );
      const sentAt = Date.now();
      for (const { row, revision } of claimed) if (row.revision === revision) row.sentAt = sentAt;
      return claimed.length;
    } finally {
      claimed.forEach(({ row }) => (row.claimed = false));
    }
  }

  async backlog(): Promise<OutboxBacklog> {
    const now = Date.now();
    const pending = this.rows.filter((row) => row.sentAt === null);
    const waiting = pending.filter((row) => row.availableAt > now).map((row) => row.availableAt - now);
    return {
      pending: pending.length,
      oldestAgeMs: pending.length ? now - Math.min(...pending.map((row) => row.createdAt)) : null,
      nextDueInMs: waiting.length ? Math.min(...waiting) : null,
    };
  }

  async prune(sentBefore: Date, limit: number): Promise<number> {
    const cutoff = sentBefore.getTime();
    let pruned = 0;
    for (let i = 0; i < this.rows.length && pruned < limit; ) {
      const row = this.rows[i] as Row;
      if (row.sentAt !== null && row.sentAt < cutoff && !row.claimed) {
        this.rows.splice(i, 1);
        this.archive?.({ key: row.key, event: row.event, sentAt: row.sentAt });
        pruned += 1;
      } else i += 1;
    }
    return pruned;
  }

  async watch(listener: () => void): Promise<() => Promise<void>> {
    this.listeners.add(listener);
    return async () => {
      this.listeners.delete(listener);
    };
  }
}
