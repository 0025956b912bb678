import { IoAdapter } from '@nestjs/platform-socket.io';
import { MessageMappingProperties } from '@nestjs/websockets';
import { Observable } from 'rxjs';
import { Socket } from 'socket.io';

/**
 * Nest's socket.io adapter, minus the per-socket work for a gateway without `@SubscribeMessage`
 * handlers: Nest still builds each socket a disconnect stream (an RxJS `share` chain and a WeakMap
 * entry, ~0.5 KiB per connection) that only message handlers would use. The edge's gateway
 * dispatches its messages itself for the same reason (docs/benchmarks/README.md, "Heap per
 * connection"); gateways with handlers are bound as Nest binds them.
 */
export class LeanIoAdapter extends IoAdapter {
  override bindMessageHandlers(
    socket: Socket,
    handlers: MessageMappingProperties[],
    transform: (data: unknown) => Observable<unknown>,
  ): void {
    if (handlers.length === 0) return;
    super.bindMessageHandlers(socket, handlers, transform);
  }
}
