import { compareOffsets, isOffset } from '@shopnest/platform-history';
import { DeliverySink, Outgoing } from './delivery-tap';

/**
 * The seam between replay and live: buffers live deliveries while history is read and sent,
 * then {@link open} forwards the buffer, dropping every delivery at or before the last offset
 * the client already has (sent by the replay, or its own `since`), and forwards the rest of the
 * stream directly. Deliveries without an offset (volatile positions) are never dropped.
 */
export class SeamGate {
  private buffer: Outgoing[] | null = [];
  /** Deliveries dropped at the seam as already sent (for tests and metrics). */
  dropped = 0;

  constructor(private readonly forward: DeliverySink) {}

  readonly offer: DeliverySink = (outgoing) => {
    if (this.buffer) this.buffer.push(outgoing);
    else this.forward(outgoing);
  };

  /** Sends straight through, ahead of anything buffered (the replay itself). */
  send(outgoing: Outgoing): void {
    this.forward(outgoing);
  }

  /** Synchronous, so no live delivery can slip between the flush and the switch to pass-through. */
  open(after: string | undefined): void {
    const buffered = this.buffer ?? [];
    this.buffer = null;
    const seen = after !== undefined && isOffset(after) ? after : undefined;
    for (const outgoing of buffered) {
      const { offset } = outgoing.delivery;
      if (seen && offset !== undefined && isOffset(offset) && compareOffsets(offset, seen) <= 0) {
        this.dropped++;
        continue;
      }
      this.forward(outgoing);
    }
  }
}
