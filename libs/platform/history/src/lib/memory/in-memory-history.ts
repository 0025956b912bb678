import { Envelope } from '@shopnest/contracts';
import { SnapshotReducer } from '../channel-publisher.port';
import {
  ChannelHistory,
  ChannelSnapshot,
  DEFAULT_HISTORY_LIMITS,
  HistoryEntry,
  HistoryLimits,
  HistoryRead,
} from '../channel-history.port';
import { parseOffset, recoveredSince } from '../offsets';

export interface InMemoryHistoryOptions extends Partial<HistoryLimits> {
  /** Milliseconds since the epoch; tests may pass a fake clock. Default `Date.now`. */
  now?: () => number;
}

interface Kept {
  offset: string;
  /** Stored as JSON so readers never share objects with the writer. */
  json: string;
}

interface Channel {
  entries: Kept[];
  /** Event id → offset and when the memory of it ends; insertion order is expiry order. */
  ids: Map<string, { offset: string; expiresAt: number }>;
  volatile?: string;
  snapshot?: Kept;
  last: { ms: number; seq: number };
  lastAppendAt: number;
}

/**
 * {@link ChannelHistory} in process memory: for one-process mode and unit tests. Same guarantees
 * as the Redis adapter (it passes the same contract suite), nothing survives the process, and
 * nothing is shared with other processes.
 *
 * @example
 * const history = new InMemoryHistory({ maxLength: 100 });
 * const offset = await history.append('order:42', event);
 */
export class InMemoryHistory extends ChannelHistory {
  private readonly channels = new Map<string, Channel>();
  private readonly limits: HistoryLimits;
  private readonly now: () => number;
  private closed = false;

  constructor(options: InMemoryHistoryOptions = {}) {
    super();
    const { now, ...limits } = options;
    this.limits = { ...DEFAULT_HISTORY_LIMITS, ...limits };
    this.now = now ?? Date.now;
  }

  async append(channelName: string, event: Envelope): Promise<string> {
    return this.appendReporting(channelName, event).offset;
  }

  /**
   * {@link append}, also saying whether the event was added (false: its id was appended before);
   * with `reduce`, stores the channel's next snapshot with the new offset in the same step.
   */
  appendReporting<S>(
    channelName: string,
    event: Envelope,
    reduce?: SnapshotReducer<S>,
  ): { offset: string; added: boolean } {
    this.assertOpen();
    const now = this.now();
    const channel = this.channel(channelName, now, true) as Channel;
    for (const [id, seen] of channel.ids) {
      if (seen.expiresAt > now) break;
      channel.ids.delete(id);
    }
    const seen = channel.ids.get(event.id);
    if (seen) return { offset: seen.offset, added: false };

    // Like a Redis Stream id: the append time, and a counter when the clock has not moved on.
    channel.last = now > channel.last.ms ? { ms: now, seq: 0 } : { ms: channel.last.ms, seq: channel.last.seq + 1 };
    const offset = `${channel.last.ms}-${channel.last.seq}`;
    channel.entries.push({ offset, json: JSON.stringify(event) });
    channel.ids.set(event.id, { offset, expiresAt: now + this.limits.dedupeTtlMs });
    channel.lastAppendAt = now;
    const next = reduce?.(parsedState<S>(channel.snapshot));
    if (next !== undefined && next !== null) channel.snapshot = { offset, json: JSON.stringify(next) };

    const oldestKeptMs = BigInt(now - this.limits.maxAgeMs);
    const tooOld = channel.entries.findIndex((e) => (parseOffset(e.offset) as [bigint, bigint])[0] >= oldestKeptMs);
    const drop = Math.max(channel.entries.length - this.limits.maxLength, tooOld < 0 ? channel.entries.length : tooOld);
    if (drop > 0) channel.entries.splice(0, drop);
    return { offset, added: true };
  }

  /**
   * Withdraws the channel's newest entry if it is `eventId`, and forgets that id: the one-process
   * publisher's rollback when the push that belongs to an append fails; the snapshot goes back to
   * `snapshotBefore` (what {@link snapshotSync} returned before the append).
   */
  withdrawLatest(channelName: string, eventId: string, snapshotBefore: ChannelSnapshot | null = null): void {
    const channel = this.channels.get(channelName);
    const last = channel?.entries[channel.entries.length - 1];
    if (!channel || !last || channel.ids.get(eventId)?.offset !== last.offset) return;
    channel.entries.pop();
    channel.ids.delete(eventId);
    channel.snapshot = snapshotBefore
      ? { offset: snapshotBefore.offset, json: JSON.stringify(snapshotBefore.state) }
      : undefined;
  }

  async readSince(channelName: string, since?: string): Promise<HistoryRead> {
    this.assertOpen();
    const entries = this.channel(channelName, this.now(), false)?.entries ?? [];
    if (since === undefined) return { events: entries.map(toEntry), recovered: true };
    if (!recoveredSince(since, entries[0]?.offset)) return { events: entries.map(toEntry), recovered: false };
    const after = parseOffset(since) as [bigint, bigint];
    return {
      events: entries.filter((e) => isAfter(e.offset, after)).map(toEntry),
      recovered: true,
    };
  }

  async latest(channelName: string): Promise<HistoryEntry | null> {
    this.assertOpen();
    const entries = this.channel(channelName, this.now(), false)?.entries ?? [];
    const last = entries[entries.length - 1];
    return last ? toEntry(last) : null;
  }

  async keepLatestVolatile(channelName: string, event: Envelope): Promise<void> {
    this.keepLatestVolatileReducing(channelName, event);
  }

  /** {@link keepLatestVolatile}, synchronously; with `reduce`, also updates an existing snapshot's state (its offset stays). */
  keepLatestVolatileReducing<S>(channelName: string, event: Envelope, reduce?: SnapshotReducer<S>): void {
    this.assertOpen();
    const now = this.now();
    const channel = this.channel(channelName, now, true) as Channel;
    channel.volatile = JSON.stringify(event);
    channel.lastAppendAt = now;
    const { snapshot } = channel;
    const next = snapshot && reduce?.(parsedState<S>(snapshot));
    if (snapshot && next !== undefined && next !== null) channel.snapshot = { ...snapshot, json: JSON.stringify(next) };
  }

  async snapshot(channelName: string): Promise<ChannelSnapshot | null> {
    return this.snapshotSync(channelName);
  }

  /** {@link snapshot}, synchronously (for the one-process publisher's rollback). */
  snapshotSync(channelName: string): ChannelSnapshot | null {
    this.assertOpen();
    const kept = this.channel(channelName, this.now(), false)?.snapshot;
    return kept ? { offset: kept.offset, state: JSON.parse(kept.json) as unknown } : null;
  }

  async latestVolatile(channelName: string): Promise<Envelope | null> {
    this.assertOpen();
    const json = this.channel(channelName, this.now(), false)?.volatile;
    return json ? (JSON.parse(json) as Envelope) : null;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.channels.clear();
  }

  /** The channel's state, dropping what outlived `maxAgeMs` without an append (Redis key expiry). */
  private channel(name: string, now: number, create: boolean): Channel | undefined {
    let channel = this.channels.get(name);
    if (channel && now - channel.lastAppendAt >= this.limits.maxAgeMs) {
      channel.entries = [];
      channel.volatile = undefined;
      channel.snapshot = undefined;
      if (channel.ids.size === 0 || now - channel.lastAppendAt >= this.limits.dedupeTtlMs) {
        this.channels.delete(name);
        channel = undefined;
      }
    }
    if (!channel && create) {
      channel = { entries: [], ids: new Map(), last: { ms: 0, seq: 0 }, lastAppendAt: now };
      this.channels.set(name, channel);
    }
    return channel;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('InMemoryHistory is closed');
  }
}

function toEntry(kept: Kept): HistoryEntry {
  return { offset: kept.offset, event: JSON.parse(kept.json) as Envelope };
}

function parsedState<S>(kept: Kept | undefined): S | null {
  return kept ? (JSON.parse(kept.json) as S) : null;
}

function isAfter(offset: string, since: [bigint, bigint]): boolean {
  const [ms, seq] = parseOffset(offset) as [bigint, bigint];
  return ms > since[0] || (ms === since[0] && seq > since[1]);
}
