import { compareOffsets, isOffset } from '@shopnest/platform-history';
import { DeliverySink, Outgoing } from './delivery-feed';

/**
 * The seam between replay and live: buffers live deliveries while history is read and sent,
 * then {@link open} forwards the buffer and everything after it, dropping every delivery at or
 * before the newest offset the client already has (sent by the replay, its own `since`, or an
 * earlier live delivery): a late repeat of a replayed event never goes out twice. Deliveries
 * without an offset (volatile positions) are never dropped. The buffer is bounded: past
 * `limits` it drops what it holds and records `overflowed`, which the subscription reports as
 * `recovered: false`.
 */
/** How much a gate holds back before it gives up on the seam. */
export interface SeamGateLimits {
  maxEvents: number;
  maxBytes: number;
}

export class SeamGate {
  private buffer: Outgoing[] | null = [];
  private bufferedBytes = 0;
  /** True once the held-back deliveries outgrew the limits: they were dropped, the seam is not gap-free. */
  overflowed = false;
  /** The newest offset sent, once open. */
  private newest: string | undefined;
  /** Deliveries dropped at the seam as already sent (for tests and metrics). */
  dropped = 0;

  constructor(
    private readonly forward: DeliverySink,
    private readonly limits: SeamGateLimits = { maxEvents: Infinity, maxBytes: Infinity },
  ) {}

  readonly offer: DeliverySink = (outgoing) => {
    if (!this.buffer) return this.pass(outgoing);
    if (this.overflowed) return;
    this.bufferedBytes += Buffer.byteLength(JSON.stringify(outgoing.delivery));
    if (this.buffer.length >= this.limits.maxEvents || this.bufferedBytes > this.limits.maxBytes) {
      // Dropped, not grown: the subscription reports recovered: false and the client refetches.
      this.overflowed = true;
      this.buffer = [];
      return;
    }
    this.buffer.push(outgoing);
  };

  /** Sends straight through, ahead of anything buffered (the replay itself). */
  send(outgoing: Outgoing): void {
    this.forward(outgoing);
  }

  /** Synchronous, so no live delivery can slip between the flush and the switch to pass-through. */
  open(after: string | undefined): void {
    const buffered = this.buffer ?? [];
    this.buffer = null;
    this.newest = after !== undefined && isOffset(after) ? after : undefined;
    for (const outgoing of buffered) this.pass(outgoing);
  }

  private pass(outgoing: Outgoing): void {
    const { offset } = outgoing.delivery;
    if (offset !== undefined && isOffset(offset)) {
      if (this.newest && compareOffsets(offset, this.newest) <= 0) {
        this.dropped++;
        return;
      }
      this.newest = offset;
    }
    this.forward(outgoing);
  }
}
