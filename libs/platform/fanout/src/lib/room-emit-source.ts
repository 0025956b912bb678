/** A room emit an edge's socket.io server delivered: the room, the socket.io event name and its payload. */
export interface RoomEmit {
  room: string;
  name: string;
  payload: unknown;
}

/**
 * Where an edge sees every emit its socket.io server delivers to a room, whether or not any of
 * its sockets is in that room (SSE streams have no socket; a socket about to join has none yet).
 *
 * Guarantee: the listener runs synchronously right after the room's sockets on this server were
 * handed the emit, once per emit and room, in the order the server delivers them. So a socket
 * joined to a room synchronously inside a listener, or between two emits, gets each emit either
 * through the room (after the join) or through the listener (before it): never both, never neither.
 * That is the replay seam's footing (`libs/edge`, `ChannelReplay`).
 *
 * `rooms` says which rooms the listener wants (default: all); emits to other rooms are not even
 * decoded, so an edge pays for reporting only on the channels it is replaying or streaming.
 *
 * Implemented by `LocalFanout` (this process's emits) and `RedisIoAdapter` (what the socket.io
 * Redis adapter receives); `describeRoomEmitSourceContract` proves both.
 *
 * @example
 * const stop = source.onRoomEmit(({ payload }) => buffer.push(payload), (room) => room === 'order:42');
 */
export interface RoomEmitSource {
  onRoomEmit(listener: (emit: RoomEmit) => void, rooms?: (room: string) => boolean): () => void;
  /**
   * Calls `listener` each time the source's feed was cut and is whole again (the Redis adapter's
   * subscriber connection dropped, and its subscriptions are active again): emits sent meanwhile
   * reached none of this server's rooms, so every socket and stream must resume from history.
   * A source that cannot be cut (in-process) does not implement it.
   */
  onFeedRestored?(listener: () => void): () => void;
}

interface Registration {
  listener: (emit: RoomEmit) => void;
  rooms?: (room: string) => boolean;
}

/** Listeners of a {@link RoomEmitSource}, called in registration order; a throwing one does not stop the others. */
export class RoomEmitListeners {
  private readonly registrations = new Set<Registration>();

  add(listener: (emit: RoomEmit) => void, rooms?: (room: string) => boolean): () => void {
    const registration = { listener, rooms };
    this.registrations.add(registration);
    return () => void this.registrations.delete(registration);
  }

  /** Whether any listener wants emits to `room`. */
  wants(room: string): boolean {
    for (const { rooms } of this.registrations) if (!rooms || rooms(room)) return true;
    return false;
  }

  notify(emit: RoomEmit): void {
    for (const { listener, rooms } of [...this.registrations]) {
      if (rooms && !rooms(emit.room)) continue;
      try {
        listener(emit);
      } catch {
        // A listener's failure is its own (it reports it); the emit already reached the room.
      }
    }
  }
}
