import { Inject, Injectable } from '@nestjs/common';
import { ORDER_SNAPSHOT_EVENT, OrderSnapshot, OrderSnapshotDelivery } from '@shopnest/contracts';
import { ChannelHistory } from '@shopnest/platform-history';
import { DeliveryFeed, DeliverySink } from './delivery-feed';
import { EdgeLimits } from '../limits/edge-limits';
import { EDGE_LIMITS } from '../limits/edge-rate-limits';
import { SeamGate, SeamGateLimits } from './seam-gate';

const ADMITTED = Promise.resolve(true);
const REFUSED = Symbol('refused');

/**
 * Waits for `admitted` first, then for `read`, started before it: a subscribe's reads overlap its
 * authorisation instead of following it. A refusal wins over a failed read (which is then ignored),
 * so a refused subscriber learns why, and is sent nothing.
 */
async function readOnceAdmitted<T>(read: Promise<T>, admitted: Promise<boolean>): Promise<T | typeof REFUSED> {
  read.catch(() => undefined);
  if (!(await admitted)) return REFUSED;
  return read;
}

/** How a replay ended; `recovered` is absent when no `since` was given. */
export interface ReplayResult {
  recovered?: boolean;
  replayed: number;
  /** Live deliveries dropped at the seam because the replay had already sent them. */
  droppedAtSeam: number;
  /** The held-back deliveries outgrew their limits and were dropped (`recovered` is then false). */
  overflowed: boolean;
}

/** The parts of a socket a subscription needs (an `EdgeSocket` satisfies it). */
export interface ReplaySocket {
  id: string;
  join(room: string): Promise<void> | void;
  emit(event: string, ...args: unknown[]): boolean;
}

/** How a `subscribe { snapshot: true }` ended: the snapshot's offset, or `null` when the channel has none. */
export interface SnapshotReplayResult extends ReplayResult {
  snapshot: { offset: string } | null;
}

/** A live SSE-style subscription: deliveries flow to the sink until `close()`. */
export interface ChannelStream extends ReplayResult {
  close(): void;
}

/**
 * Replay then live, with no gap at the seam, for sockets and SSE streams alike:
 *
 * 1. start capturing the channel's live deliveries from the {@link DeliveryFeed} into a
 *    {@link SeamGate}, before anything is read;
 * 2. read history after `since` and the latest volatile event, in one round;
 * 3. synchronously: send the replayed events in order, then the latest volatile event; a socket
 *    joins the room; the gate opens, sending captured deliveries newer than the last replayed
 *    offset (older ones are the same events the replay sent); a socket stops capturing.
 *
 * Why no gap: the worker appends and pushes in one step, so an event either was in history for
 * step 2's read (replayed) or is pushed after it, and a push reaches this socket either before the
 * join (the feed reports it right after the room's delivery, so it was captured) or after it
 * (through the room). Step 3 runs without yielding, so no delivery falls between join, flush and
 * stopping the capture. Replay comes before live: the socket is not in the room while the replay
 * is sent. A push whose history append was visible to the read but whose message reaches this
 * edge only after the join arrives twice (replay, then live, same id and offset): the SDK drops it
 * by id; an SSE stream drops it at its gate, which sees every later delivery.
 */
@Injectable()
export class ChannelReplay {
  private readonly gateLimits: SeamGateLimits;

  constructor(
    private readonly history: ChannelHistory,
    private readonly feed: DeliveryFeed,
    @Inject(EDGE_LIMITS) limits: EdgeLimits,
  ) {
    this.gateLimits = { maxEvents: limits.replayHoldBackEvents, maxBytes: limits.replayHoldBackBytes };
  }

  /** Replays after `since` to `socket`, then joins it to `channel`; resolves once everything before the ack is sent. */
  async subscribeSocket(socket: ReplaySocket, channel: string, since: string | undefined): Promise<ReplayResult>;
  /**
   * With `admitted`: the reads run alongside it (the subscriber's authorisation), and when it
   * answers false nothing is sent, the socket joins nothing, and the result is `null`.
   */
  async subscribeSocket(
    socket: ReplaySocket,
    channel: string,
    since: string | undefined,
    admitted: Promise<boolean>,
  ): Promise<ReplayResult | null>;
  async subscribeSocket(
    socket: ReplaySocket,
    channel: string,
    since: string | undefined,
    admitted?: Promise<boolean>,
  ): Promise<ReplayResult | null> {
    const gate = new SeamGate(({ name, delivery }) => socket.emit(name, delivery), this.gateLimits);
    const unlisten = this.feed.listen(channel, gate.offer);
    try {
      return await this.replay(channel, since, gate, admitted, () => {
        const joined = socket.join(channel);
        // In-memory rooms and the classic Redis adapter join synchronously; an adapter that does not would open a gap.
        if (joined instanceof Promise)
          throw new Error('ChannelReplay: socket.join must be synchronous for a gap-free seam');
        return unlisten; // after open(), the socket takes live deliveries straight from the room
      });
    } finally {
      unlisten();
    }
  }

  /**
   * `subscribe { channel: 'order:{id}', snapshot: true }`: sends the channel's snapshot as an
   * `order.snapshot` message, then subscribes exactly as with `since` = the snapshot's offset. No
   * gap and no duplicate between the two: the snapshot holds every event up to its offset (the
   * worker writes both in one step), and the `since` replay with its seam sends every event after
   * it, including one appended while the snapshot was being read. Without a snapshot, a plain live
   * subscribe (`snapshot: null`).
   */
  async subscribeSocketFromSnapshot(
    socket: ReplaySocket,
    channel: string,
    admitted: Promise<boolean> = ADMITTED,
  ): Promise<SnapshotReplayResult | null> {
    const snapshot = await readOnceAdmitted(this.history.snapshot(channel), admitted);
    if (snapshot === REFUSED) return null;
    if (!snapshot) return { ...(await this.subscribeSocket(socket, channel, undefined)), snapshot: null };
    const message: OrderSnapshotDelivery = { channel, offset: snapshot.offset, state: snapshot.state as OrderSnapshot };
    // Before any replayed or live delivery of the channel: the socket is not in the room yet.
    socket.emit(ORDER_SNAPSHOT_EVENT, message);
    return { ...(await this.subscribeSocket(socket, channel, snapshot.offset)), snapshot: { offset: snapshot.offset } };
  }

  /** Replays after `since` into `sink`, then keeps sending live deliveries until `close()`. */
  async openStream(channel: string, since: string | undefined, sink: DeliverySink): Promise<ChannelStream> {
    const gate = new SeamGate(sink, this.gateLimits);
    const unlisten = this.feed.listen(channel, gate.offer);
    try {
      const result = (await this.replay(channel, since, gate)) as ReplayResult;
      return { ...result, close: unlisten };
    } catch (error) {
      unlisten();
      throw error;
    }
  }

  /** `atSeam` runs after the replay is sent and before the gate opens; what it returns runs right after. */
  private async replay(
    channel: string,
    since: string | undefined,
    gate: SeamGate,
    admitted: Promise<boolean> = ADMITTED,
    atSeam?: () => () => void,
  ): Promise<ReplayResult | null> {
    const reads = await readOnceAdmitted(
      Promise.all([
        since === undefined ? undefined : this.history.readSince(channel, since),
        this.history.latestVolatile(channel),
      ]),
      admitted,
    );
    if (reads === REFUSED) return null;
    const [read, latestVolatile] = reads;
    // From here to the end nothing awaits: no live delivery can interleave with the replay and the seam.
    let after = read?.recovered ? since : undefined;
    for (const { offset, event } of read?.events ?? []) {
      gate.send({ name: event.type, delivery: { channel, offset, event } });
      after = offset;
    }
    // The courier's last position, so a (re)subscribed screen shows it at once; a newer live one follows from the gate.
    if (latestVolatile) gate.send({ name: latestVolatile.type, delivery: { channel, event: latestVolatile } });
    const afterOpen = atSeam?.();
    gate.open(after);
    afterOpen?.();
    // A gate that overflowed dropped live deliveries: whatever `since` was, the client must refetch.
    const recovered = gate.overflowed ? false : read?.recovered;
    return {
      ...(recovered !== undefined && { recovered }),
      replayed: read?.events.length ?? 0,
      droppedAtSeam: gate.dropped,
      overflowed: gate.overflowed,
    };
  }
}
