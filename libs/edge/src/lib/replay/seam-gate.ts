import { compareOffsets, isOffset } from '@shopnest/platform-history';
import { DeliverySink, Outgoing } from './delivery-feed';

/**
 * The seam between replay and live: buffers live deliveries while history is read and sent,
 * then {@link open} forwards the buffer and everything after it, dropping every delivery at or
 * before the newest offset the client already has (sent by the replay, its own `since`, or an
 * earlier live delivery): a late repeat of a replayed event never goes out twice. Deliveries
 * without an offset (volatile positions) are never dropped.
 */
export class SeamGate {
  private buffer: Outgoing[] | null = [];
  /** The newest offset sent, once open. */
  private newest: string | undefined;
  /** Deliveries dropped at the seam as already sent (for tests and metrics). */
  dropped = 0;

  constructor(private readonly forward: DeliverySink) {}

  readonly offer: DeliverySink = (outgoing) => {
    if (this.buffer) this.buffer.push(outgoing);
    else this.pass(outgoing);
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
