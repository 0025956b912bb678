import { Envelope } from '@shopnest/contracts';
import type { TraceContext } from '@shopnest/platform-tracing';

/** One event waiting in the outbox. */
export interface OutboxEntry {
  /** Position in the outbox: entries of one key are published in this order. */
  id: number;
  /** The aggregate the event belongs to (an order id, a ticket id): the Kafka message key. */
  key: string;
  event: Envelope;
  /** When the change that wrote it committed (to within the transaction). */
  createdAt: Date;
  /** The trace of the request that wrote it (tracing on): the relay's publish span continues it. */
  trace?: TraceContext;
}

/** What is still waiting: for the lag gauges and the relay's next wake-up. */
export interface OutboxBacklog {
  /** Entries not yet published. */
  pending: number;
  /** Age of the oldest of them, in ms; null when none. */
  oldestAgeMs: number | null;
  /** In how many ms the next rate-delayed entry becomes due; null when none waits for its time. */
  nextDueInMs: number | null;
}

/**
 * The publishing side of a service's event log (the transactional outbox). Entries are written
 * by the owning domain's repository in the transaction of their change (orders, tickets); the
 * relay drains them here. One key is one aggregate: its entries keep their order end to end.
 *
 * Guarantees:
 * - `relay` claims up to `limit` due entries, hands them to `publish` (oldest first; per key
 *   in id order, and a key's entry only after every earlier one of that key was published),
 *   and marks them published only after `publish` resolved. If `publish` rejects, nothing is
 *   marked and the same entries (same event ids) come again on a later call.
 * - Claims are exclusive: on Postgres, relays in several replicas never receive the same entry
 *   at once (row locks, `FOR UPDATE SKIP LOCKED`, held until marked), and a key's entries go
 *   to one relay at a time, so per-key order holds across replicas. A crash before the mark
 *   releases the claim: the entry is published again (at-least-once; consumers de-duplicate by
 *   event id).
 * - `watch` calls `listener` after a change commits (on Postgres, in any replica: the writer's
 *   `SqlDatabase.notify` once its transaction committed, and LISTEN); a missed call (a writer that
 *   died between its commit and the signal) only delays an entry until the relay's next sweep.
 * - `prune` deletes up to `limit` entries published before `sentBefore`, oldest first, and
 *   never an unpublished one or one a relay holds; it takes no lock a writer or a relay waits on
 *   (rows are skipped, not waited for). An adapter may archive what it deletes (the orders keep
 *   their timeline), in the same statement.
 *
 * @example
 * const published = await outbox.relay(100, (entries) =>
 *   bus.publish(ORDERS_TOPIC, entries.map((e) => ({ key: e.key, event: e.event }))));
 */
export abstract class Outbox {
  abstract relay(limit: number, publish: (entries: OutboxEntry[]) => Promise<void>): Promise<number>;
  abstract backlog(): Promise<OutboxBacklog>;
  /** Resolves once listening; the returned function stops it. */
  abstract watch(listener: () => void): Promise<() => Promise<void>>;
  /** Deletes published entries older than `sentBefore`, at most `limit`; resolves with how many. */
  abstract prune(sentBefore: Date, limit: number): Promise<number>;
}
