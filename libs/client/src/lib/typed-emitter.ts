/** Event name → the arguments its listeners receive. */
export type EventMap = Record<string, unknown[]>;
export type Listener<Args extends unknown[]> = (...args: Args) => void;

/**
 * A tiny typed event emitter (no dependency on Node's `events`, so it runs in browsers).
 * A listener that throws does not stop the others: its error goes to `onListenerError`.
 *
 * @example
 * const emitter = new TypedEmitter<{ state: [string] }>();
 * const off = emitter.on('state', (s) => console.log(s));
 * emitter.emit('state', 'connected');
 * off();
 */
export class TypedEmitter<Events extends EventMap> {
  // Stored untyped: one map holds listeners of every event; `on` and `emit` restore the types.
  private readonly listeners = new Map<keyof Events, Set<unknown>>();

  constructor(private readonly onListenerError: (error: unknown, event: keyof Events) => void = reportToConsole) {}

  /** Adds a listener; returns the function that removes it. */
  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener);
    return () => this.off(event, listener);
  }

  off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): void {
    this.listeners.get(event)?.delete(listener);
  }

  emit<K extends keyof Events>(event: K, ...args: Events[K]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    // A copy, so a listener that removes itself or others does not skip anyone this round.
    for (const listener of [...set]) {
      try {
        (listener as Listener<Events[K]>)(...args);
      } catch (error) {
        this.onListenerError(error, event);
      }
    }
  }

  listenerCount(event: keyof Events): number {
    return this.listeners.get(event)?.size ?? 0;
  }
}

function reportToConsole(error: unknown, event: PropertyKey): void {
  console.error(`listener of ${String(event)} threw`, error);
}
