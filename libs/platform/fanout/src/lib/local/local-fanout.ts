import { Delivery } from '@shopnest/contracts';
import { Namespace, Server } from 'socket.io';
import { EmitOptions, Fanout } from '../fanout.port';

/**
 * {@link Fanout} into the socket.io server of this process: for a single process (edge and
 * producers together) and for unit tests. Reaches no other process.
 *
 * The gateway owns the server and hands it over with `attach()`; until then `emit()` rejects.
 * `close()` detaches (the server stays open: it is the gateway's) and is idempotent.
 *
 * @example
 * // in the gateway
 * afterInit(server: Server) { this.localFanout.attach(server); }
 */
export class LocalFanout extends Fanout {
  private server: Server | Namespace | undefined;
  private closed = false;

  attach(server: Server | Namespace): void {
    this.server = server;
  }

  async emit(delivery: Delivery, options: EmitOptions = {}): Promise<void> {
    if (this.closed) throw new Error('LocalFanout is closed');
    if (!this.server) {
      throw new Error(
        'LocalFanout has no socket.io server: call attach(server) (e.g. in the gateway afterInit) first',
      );
    }
    const room = this.server.to(delivery.channel);
    (options.volatile ? room.volatile : room).emit(
      delivery.event.type,
      delivery,
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    this.server = undefined;
  }
}
