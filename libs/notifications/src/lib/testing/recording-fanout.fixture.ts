import { Delivery } from '@shopnest/contracts';
import { EmitOptions, Fanout } from '@shopnest/platform-fanout';

/**
 * A {@link Fanout} that records what it is asked to push (tests only). The real adapters are
 * proven by the fanout contract suite; this one lets a test see routing and fail pushes on demand.
 */
export class RecordingFanout extends Fanout {
  readonly emitted: { delivery: Delivery; volatile: boolean }[] = [];
  private failuresLeft = 0;

  /** The next `count` emits reject, as Redis would when it is down. */
  failNext(count: number): void {
    this.failuresLeft = count;
  }

  async emit(delivery: Delivery, options: EmitOptions = {}): Promise<void> {
    if (this.failuresLeft > 0) {
      this.failuresLeft -= 1;
      throw new Error('fanout unavailable');
    }
    this.emitted.push({ delivery, volatile: options.volatile ?? false });
  }

  async close(): Promise<void> {
    this.emitted.length = 0;
  }
}
