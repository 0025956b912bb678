import { Envelope } from '@shopnest/contracts';

/** What {@link ChannelPublisher.publish} did. */
export interface Published {
  /** The event's offset in the channel's history (the first one, for an id published before). */
  offset: string;
  /** False when the id was already in the channel's history: nothing was appended or pushed. */
  added: boolean;
}

/**
 * The channel's next snapshot state from the current one (`null`: none yet), or `null` to leave the
 * snapshot as it is. Pure and quick: an adapter may call it more than once for one publish (when
 * another publisher wrote the snapshot meanwhile, it reduces again from the newer state).
 */
export type SnapshotReducer<S = unknown> = (previous: S | null) => S | null;

export interface PublishOptions<S = unknown> {
  /** Also update the channel's snapshot (see `ChannelHistory.snapshot`), in the same atomic step. */
  snapshot?: SnapshotReducer<S>;
}

/**
 * Publishes channel events: appends each to the channel's history and pushes it, with its
 * offset, to the channel's sockets on every edge, as one atomic step (Centrifugo's "history and
 * publish atomic per channel").
 *
 * Guarantees:
 * - Atomic: an event is both in history and pushed, or neither; a crash cannot leave one without
 *   the other, so a publish that is retried after a failure never pushes twice.
 * - Ordered: a channel's live deliveries leave in offset order whatever the number of publishers
 *   (worker replicas), so a client that resumes from the last offset it saw misses nothing.
 * - Idempotent by event id per channel, within the history's `dedupeTtlMs`: publishing an id again
 *   appends and pushes nothing and returns the first offset (`added: false`).
 * - Volatile events (`publishVolatile`): kept as the channel's latest (no offset, not in
 *   `readSince`) and pushed in one step; latest wins, no idempotency. The push is queued like any
 *   other (not socket.io's `volatile`, which drops a packet whenever the transport is busy and could
 *   leave a client on a stale latest for good); a client that cannot keep up meets the edge's
 *   slow-consumer limit instead.
 * - Snapshots (`options.snapshot`): the channel's state is reduced and stored with the event's offset
 *   in the same atomic step as the append, never for a duplicate id, and without lost updates when
 *   publishers race (each write builds on the snapshot it replaces). A volatile event with a reducer
 *   updates the state and keeps its offset (volatile events have none); it needs a snapshot to exist.
 * - `close()` releases what the publisher opened; idempotent; publishing after it rejects.
 *
 * Adapters: `RedisChannelPublisher` (one Redis script: stream append + PUBLISH of the socket.io
 * Redis adapter protocol) and `LocalChannelPublisher` (in-memory history + this process's
 * socket.io server). `describeChannelPublisherContract` (`channel-publisher.contract.ts`) proves both.
 *
 * @example
 * const { offset } = await publisher.publish('order:42', event); // in history, and pushed with offset
 * await publisher.publishVolatile('order:42', positionEvent);      // latest wins
 * await publisher.publish('order:42', event, { snapshot: (state) => reduceOrderSnapshot(state, event) });
 */
export abstract class ChannelPublisher {
  abstract publish<S>(channel: string, event: Envelope, options?: PublishOptions<S>): Promise<Published>;
  abstract publishVolatile<S>(channel: string, event: Envelope, options?: PublishOptions<S>): Promise<void>;
  abstract close(): Promise<void>;
}
