/**
 * Which event ids a consumer has fully handled, for a while: lets a redelivered event (a crash
 * after the push but before the offset commit) be skipped instead of pushed again.
 *
 * Guarantees: after `add(id)` resolves, `has(id)` is true for at least `ttlMs` (then it may turn
 * false: memory stays bounded). Shared by every replica using the same store. Not a lock: two
 * replicas handling the same id at once may both see `false` (the consumer group prevents that
 * in normal operation). `close()` is idempotent; calls after it reject.
 *
 * @example
 * if (await processed.has(event.id)) return; // already in history and pushed
 * await deliver(event);
 * await processed.add(event.id);
 */
export abstract class ProcessedEvents {
  abstract has(eventId: string): Promise<boolean>;
  abstract add(eventId: string): Promise<void>;
  abstract close(): Promise<void>;
}
