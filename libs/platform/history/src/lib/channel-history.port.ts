import { Envelope } from '@shopnest/contracts';

/** One kept event and its position in the channel. */
export interface HistoryEntry<E extends Envelope = Envelope> {
  /** Monotonic per channel; the `offset` of the `Delivery` that pushed it. */
  offset: string;
  event: E;
}

/** What {@link ChannelHistory.readSince} returns. */
export interface HistoryRead {
  /** Kept events after `since`, oldest first (every kept event when `since` is absent, unknown or too old). */
  events: HistoryEntry[];
  /**
   * True when `events` holds every event appended after `since`, so a client that saw `since`
   * misses nothing. False when `since` is older than what is kept (trimmed by length or age),
   * is not an offset, or the channel has no kept events: the client refetches state (REST).
   * True when `since` is absent: there is no gap to judge.
   */
  recovered: boolean;
}

/**
 * A channel's state as a reduction of its events, and the offset of the last event it includes
 * (every event after `offset` is not in `state`). Written only by a {@link ChannelPublisher} that is
 * given a snapshot reducer, in the same atomic step as the append.
 */
export interface ChannelSnapshot<S = unknown> {
  state: S;
  offset: string;
}

/** How much each channel keeps; every adapter takes these. */
export interface HistoryLimits {
  /** Most events kept per channel; older ones are trimmed on append (exactly, not approximately). */
  maxLength: number;
  /**
   * Events older than this (by offset time) are trimmed on the next append, and a channel with no
   * append for this long is dropped whole, latest volatile event included.
   */
  maxAgeMs: number;
  /**
   * How long an appended event id is remembered per channel, so appending it again returns the
   * first offset instead of a second entry. Must cover redelivery after a crash (minutes).
   */
  dedupeTtlMs: number;
}

/** Defaults of `HISTORY_MAX_LENGTH`, `HISTORY_MAX_AGE_S`, `HISTORY_DEDUPE_TTL_S`. */
export const DEFAULT_HISTORY_LIMITS: HistoryLimits = {
  maxLength: 1000,
  maxAgeMs: 86_400_000,
  dedupeTtlMs: 3_600_000,
};

/** Prefix of the keys of a shared (Redis) history when none is configured: `HISTORY_KEY_PREFIX`'s default. */
export const DEFAULT_HISTORY_KEY_PREFIX = 'history:';

/**
 * Per-channel event history, for replay on resume: the worker appends every non-volatile event
 * before pushing it, with the returned offset in the delivery; an edge reads what a client missed.
 *
 * Guarantees:
 * - `append` returns the event's offset; offsets of one channel increase strictly in append
 *   order (`compareOffsets`), even across writers and restarts (they carry the append time).
 * - Idempotent by `event.id` per channel within `dedupeTtlMs`: appending the same id again adds
 *   nothing and returns the first offset (a redelivered event keeps its place).
 * - Capped: at most `maxLength` events per channel, none older than `maxAgeMs` once the channel
 *   is appended to again; an idle channel is dropped after `maxAgeMs`.
 * - `readSince` is consistent (one atomic read) and says, through `recovered`, whether the gap
 *   after `since` is complete.
 * - Volatile events (positions) are not appended: `keepLatestVolatile` keeps only the newest one
 *   per channel, outside the offset sequence, for `maxAgeMs`.
 * - Events come back deep-equal to what was appended, never the same objects.
 * - `snapshot` reads the channel's {@link ChannelSnapshot} (written by `ChannelPublisher.publish`
 *   with a reducer) in one atomic read: the state and the offset it corresponds to. It expires with
 *   the channel's history (`maxAgeMs` after the last append), so its offset is always replayable
 *   while it exists.
 * - `close()` releases connections; it is idempotent, and every other call after it rejects.
 *
 * Adapters: `RedisStreamsHistory` (a Redis Stream per channel; shared by every worker and edge)
 * and `InMemoryHistory` (one process). `describeChannelHistoryContract` (`channel-history.contract.ts`)
 * proves both.
 *
 * @example
 * // worker
 * const offset = await history.append('order:42', event);
 * await fanout.emit({ channel: 'order:42', offset, event });
 * // edge, on subscribe { channel, since }
 * const { events, recovered } = await history.readSince('order:42', since);
 */
export abstract class ChannelHistory {
  abstract append(channel: string, event: Envelope): Promise<string>;
  abstract readSince(channel: string, since?: string): Promise<HistoryRead>;
  /** The newest kept event, or `null` when the channel keeps none. */
  abstract latest(channel: string): Promise<HistoryEntry | null>;
  /** Replaces the channel's latest volatile event (it gets no offset and is not in `readSince`). */
  abstract keepLatestVolatile(channel: string, event: Envelope): Promise<void>;
  /** The newest volatile event kept by {@link keepLatestVolatile}, or `null`. */
  abstract latestVolatile(channel: string): Promise<Envelope | null>;
  /** The channel's snapshot and its offset, or `null` when none was written (or it expired). */
  abstract snapshot(channel: string): Promise<ChannelSnapshot | null>;
  abstract close(): Promise<void>;
}
