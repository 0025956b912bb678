import { Delivery } from '@shopnest/contracts';
import { Namespace, Server } from 'socket.io';
import { EmitOptions, Fanout } from '../fanout.port';
import { RoomEmit, RoomEmitListeners, RoomEmitSource } from '../room-emit-source';

/**
 * {@link Fanout} into the socket.io server of this process: for a single process (edge and
 * producers together) and for unit tests. Reaches no other process.
 *
 * The gateway owns the server and hands it over with `attach()`; until then `emit()` rejects.
 * `close()` detaches (the server stays open: it is the gateway's) and is idempotent.
 * As a {@link RoomEmitSource}, it tells its listeners of each emit right after the room got it.
 *
 * @example
 * // in the gateway
 * afterInit(server: Server) { this.localFanout.attach(server); }
 */
export class LocalFanout extends Fanout implements RoomEmitSource {
  private server: Server | Namespace | undefined;
  private closed = false;
  private readonly listeners = new RoomEmitListeners();

  attach(server: Server | Namespace): void {
    this.server = server;
  }

  async emit(delivery: Delivery, options: EmitOptions = {}): Promise<void> {
    if (this.closed) throw new Error('LocalFanout is closed');
    if (!this.server) {
      throw new Error('LocalFanout has no socket.io server: call attach(server) (e.g. in the gateway afterInit) first');
    }
    const room = this.server.to(delivery.channel);
    (options.volatile ? room.volatile : room).emit(delivery.event.type, delivery);
    this.listeners.notify({ room: delivery.channel, name: delivery.event.type, payload: delivery });
  }

  onRoomEmit(listener: (emit: RoomEmit) => void, rooms?: (room: string) => boolean): () => void {
    return this.listeners.add(listener, rooms);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.server = undefined;
  }
}
