/** setTimeout fires at once for delays above 2^31-1 ms (~24.8 days); longer waits are re-armed in steps. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Sweeps at most this often: tokens of thousands of connections expire at scattered seconds, and
 * each sweep walks every connection. An expiry is thus seen at most this late.
 */
const MIN_SWEEP_INTERVAL_MS = 1_000;

/**
 * Calls `onExpired` for a connection when its access token expires (`exp`), unless the token is
 * replaced first ({@link schedule} again) or the connection is cancelled.
 *
 * One timer for all connections, armed for the earliest expiry; per connection there is only an
 * entry in a Map (a timer and a closure each cost ~0.4 KiB per connection; see
 * docs/benchmarks/README.md, "Heap per connection"). The timer does not hold the process open.
 */
export class SessionExpiry {
  /** connection id → `exp` (seconds since the epoch). */
  private readonly expiries = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  /** When the armed timer fires (ms since the epoch); Infinity when none is armed. */
  private wakeAt = Infinity;

  constructor(
    private readonly onExpired: (connectionId: string, expiredAt: number) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** (Re)schedules the connection for `expiresAt` (seconds since the epoch); never when undefined. */
  schedule(connectionId: string, expiresAt: number | undefined): void {
    this.expiries.delete(connectionId);
    if (expiresAt === undefined) return;
    if (expiresAt * 1_000 <= this.now()) {
      this.onExpired(connectionId, expiresAt);
      return;
    }
    this.expiries.set(connectionId, expiresAt);
    this.arm(expiresAt * 1_000);
  }

  /** The timer stays armed: the next sweep finds nothing for this connection and re-arms or stops. */
  cancel(connectionId: string): void {
    this.expiries.delete(connectionId);
  }

  cancelAll(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.wakeAt = Infinity;
    this.expiries.clear();
  }

  get size(): number {
    return this.expiries.size;
  }

  private arm(atMs: number): void {
    if (atMs >= this.wakeAt) return;
    clearTimeout(this.timer);
    this.wakeAt = atMs;
    this.timer = setTimeout(() => this.sweep(), Math.min(Math.max(0, atMs - this.now()), MAX_TIMER_MS));
    this.timer.unref();
  }

  private sweep(): void {
    this.timer = undefined;
    this.wakeAt = Infinity;
    const now = this.now();
    let next = Infinity;
    // Deleting the entry being visited is safe while iterating a Map (onExpired may cancel too).
    for (const [connectionId, expiresAt] of this.expiries) {
      if (expiresAt * 1_000 > now) next = Math.min(next, expiresAt * 1_000);
      else {
        this.expiries.delete(connectionId);
        this.onExpired(connectionId, expiresAt);
      }
    }
    if (next !== Infinity) this.arm(Math.max(next, now + MIN_SWEEP_INTERVAL_MS));
  }
}
