import { ProcessedEvents } from '../processed-events.port';

/**
 * {@link ProcessedEvents} in process memory (one-process mode, unit tests): remembers each id for
 * `ttlMs`, then forgets it, so memory stays bounded by the ids of one TTL window.
 */
export class InMemoryProcessedEvents extends ProcessedEvents {
  /** Id → expiry; insertion order is expiry order, so pruning stops at the first live one. */
  private readonly ids = new Map<string, number>();
  private closed = false;

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  async has(eventId: string): Promise<boolean> {
    this.assertOpen();
    this.prune();
    return this.ids.has(eventId);
  }

  async add(eventId: string): Promise<void> {
    this.assertOpen();
    this.prune();
    this.ids.delete(eventId); // re-inserted at the end, keeping insertion order = expiry order
    this.ids.set(eventId, this.now() + this.ttlMs);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.ids.clear();
  }

  private prune(): void {
    const now = this.now();
    for (const [id, expiresAt] of this.ids) {
      if (expiresAt > now) break;
      this.ids.delete(id);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('InMemoryProcessedEvents is closed');
  }
}
