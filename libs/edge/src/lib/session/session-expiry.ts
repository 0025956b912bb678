/** setTimeout fires at once for delays above 2^31-1 ms (~24.8 days); longer waits are re-armed in steps. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * One timer per connection that fires when its access token expires (`exp`), unless the
 * token is replaced first ({@link schedule} again). Timers do not hold the process open.
 */
export class SessionExpiry {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly onExpired: (connectionId: string, expiredAt: number) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** (Re)arms the connection's timer for `expiresAt` (seconds since the epoch); none when undefined. */
  schedule(connectionId: string, expiresAt: number | undefined): void {
    this.cancel(connectionId);
    if (expiresAt === undefined) return;
    const arm = () => {
      const remaining = expiresAt * 1_000 - this.now();
      if (remaining <= 0) {
        this.timers.delete(connectionId);
        this.onExpired(connectionId, expiresAt);
        return;
      }
      const timer = setTimeout(arm, Math.min(remaining, MAX_TIMER_MS));
      timer.unref();
      this.timers.set(connectionId, timer);
    };
    arm();
  }

  cancel(connectionId: string): void {
    clearTimeout(this.timers.get(connectionId));
    this.timers.delete(connectionId);
  }

  cancelAll(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  get size(): number {
    return this.timers.size;
  }
}
