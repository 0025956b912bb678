/**
 * A bounded set of recently seen keys: remembers the last `capacity` keys added and forgets
 * the oldest first, so memory stays flat however long a client runs. A duplicate older than
 * the window is not caught; the window only has to outlast a replay after a reconnect.
 */
export class RecentIds {
  private readonly keys = new Set<string>();

  constructor(private readonly capacity: number) {
    if (!(Number.isInteger(capacity) && capacity > 0)) throw new RangeError('capacity must be a positive integer');
  }

  /** Adds `key`; false when it was already among the recent ones. */
  add(key: string): boolean {
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    if (this.keys.size > this.capacity) {
      // A Set iterates in insertion order, so the first key is the oldest.
      const oldest = this.keys.values().next();
      if (!oldest.done) this.keys.delete(oldest.value);
    }
    return true;
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }

  get size(): number {
    return this.keys.size;
  }
}
