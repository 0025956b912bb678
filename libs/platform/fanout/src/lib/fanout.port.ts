import { Delivery } from '@shopnest/contracts';

export interface EmitOptions {
  /** May be dropped when a client is slow or offline (latest-wins data such as positions). */
  volatile?: boolean;
}

/**
 * Pushes an event to every socket in a channel (a socket.io room), on every edge process.
 * The socket.io event name is `delivery.event.type`.
 *
 * Guarantees: at-most-once per socket (a socket that is not connected misses it; history and
 * resume cover the gap). Events emitted to one channel from one process arrive in emit order.
 * Sockets outside the channel receive nothing. `close()` releases connections; it is idempotent,
 * and `emit()` after it rejects.
 *
 * Adapters: `RedisEmitterFanout` (every edge, through Redis) and `LocalFanout` (this process's
 * socket.io server only); `describeFanoutContract` (`fanout.contract.ts`) proves both.
 *
 * @example
 * await fanout.emit({ channel: orderChannel(id), event });
 */
export abstract class Fanout {
  abstract emit(delivery: Delivery, options?: EmitOptions): Promise<void>;
  abstract close(): Promise<void>;
}
