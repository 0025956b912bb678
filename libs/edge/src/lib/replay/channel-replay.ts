import { Injectable } from '@nestjs/common';
import { ChannelHistory } from '@shopnest/platform-history';
import { DeliverySink, DeliveryTap } from './delivery-tap';
import { SeamGate } from './seam-gate';

/** How a replay ended; `recovered` is absent when no `since` was given. */
export interface ReplayResult {
  recovered?: boolean;
  replayed: number;
  /** Live deliveries dropped at the seam because the replay had already sent them. */
  droppedAtSeam: number;
}

/** The parts of a socket a subscription needs (an `EdgeSocket` satisfies it). */
export interface ReplaySocket {
  id: string;
  join(room: string): Promise<void> | void;
  emit(event: string, ...args: unknown[]): boolean;
}

/** A live SSE-style subscription: deliveries flow to the sink until `close()`. */
export interface ChannelStream extends ReplayResult {
  close(): void;
}

/**
 * Replay then live, with no gap and no duplicate at the seam, for sockets and SSE streams alike:
 *
 * 1. start capturing the channel's live deliveries into a {@link SeamGate} (a socket's are
 *    diverted from the wire; an SSE stream listens) — before anything is read;
 * 2. a socket joins the room (from now on nothing broadcast to the channel can miss it);
 * 3. read history after `since` and the latest volatile event, in one round;
 * 4. synchronously: send the replayed events in order, then the latest volatile event, then
 *    open the gate, which sends captured deliveries newer than the last replayed offset (older
 *    ones are the same events the replay sent: the worker appends before it pushes).
 *
 * Why no gap: an event pushed before step 2 was appended before step 3's read, so the replay has
 * it; one pushed after step 2 is captured. Why no duplicate: offsets increase per channel, so a
 * captured event is either in the read (offset ≤ last replayed, dropped) or not (newer, sent).
 * The one duplicate left is a worker re-pushing an event after a crash (same id and offset): the
 * SDK drops it by id.
 */
@Injectable()
export class ChannelReplay {
  constructor(
    private readonly history: ChannelHistory,
    private readonly tap: DeliveryTap,
  ) {}

  /** Joins `socket` to `channel` and replays after `since`; resolves once everything before the ack is sent. */
  async subscribeSocket(socket: ReplaySocket, channel: string, since: string | undefined): Promise<ReplayResult> {
    const gate = new SeamGate(({ name, delivery }) => socket.emit(name, delivery));
    const undivert = this.tap.divert(socket.id, channel, gate.offer);
    try {
      await socket.join(channel);
      return await this.replay(channel, since, gate);
    } finally {
      // After open() the gate has nothing to hold back: the socket takes live deliveries straight from the room.
      undivert();
    }
  }

  /** Replays after `since` into `sink`, then keeps sending live deliveries until `close()`. */
  async openStream(channel: string, since: string | undefined, sink: DeliverySink): Promise<ChannelStream> {
    const gate = new SeamGate(sink);
    const unlisten = this.tap.listen(channel, gate.offer);
    try {
      const result = await this.replay(channel, since, gate);
      return { ...result, close: unlisten };
    } catch (error) {
      unlisten();
      throw error;
    }
  }

  private async replay(channel: string, since: string | undefined, gate: SeamGate): Promise<ReplayResult> {
    const [read, latestVolatile] = await Promise.all([
      since === undefined ? undefined : this.history.readSince(channel, since),
      this.history.latestVolatile(channel),
    ]);
    // From here to gate.open() nothing awaits: no live delivery can interleave with the replay.
    let after = read?.recovered ? since : undefined;
    for (const { offset, event } of read?.events ?? []) {
      gate.send({ name: event.type, delivery: { channel, offset, event } });
      after = offset;
    }
    // The courier's last position, so a (re)subscribed screen shows it at once; a newer live one follows from the gate.
    if (latestVolatile) gate.send({ name: latestVolatile.type, delivery: { channel, event: latestVolatile } });
    gate.open(after);
    return { ...(read && { recovered: read.recovered }), replayed: read?.events.length ?? 0, droppedAtSeam: gate.dropped };
  }
}
